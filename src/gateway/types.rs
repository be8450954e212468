//! The LOX24 wire types: request and response bodies with exactly the field names of the
//! API, and the open `status_code` / `dlr_code` enums with words for people. No I/O here;
//! the client in `mod.rs` sends and reads these.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The body of `POST /sms` and `POST /sms/dryrun`. `None` fields are left out, so LOX24
/// applies its own defaults (`is_unicode` left out means auto-detect).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct SmsRequest {
    pub sender_id: String,
    pub phone: String,
    pub text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delivery_at: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_unicode: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub callback_data: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub voice_lang: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_text_deleted: Option<bool>,
}

/// One SMS as LOX24 describes it (answer of `POST /sms`, `GET /sms/{uuid}`, list items).
/// Fields LOX24 documents as nullable, or that old answers lack, are `Option`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Sms {
    pub uuid: String,
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub sender_id: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub delivery_at: i64,
    #[serde(default)]
    pub status_code: StatusCode,
    #[serde(default)]
    pub dlr_code: DlrCode,
    #[serde(default)]
    pub gateway_sent_at: i64,
    #[serde(default)]
    pub is_sent: bool,
    pub source: Option<i64>,
    pub ip: Option<String>,
    #[serde(default)]
    pub created_at: i64,
    pub is_unicode: Option<bool>,
    #[serde(default)]
    pub is_text_deleted: bool,
    pub iso2: Option<String>,
    pub voice_lang: Option<String>,
    #[serde(default = "one")]
    pub parts_count: u32,
    pub chars_count: Option<u32>,
    pub callback_data: Option<String>,
    pub bulk_id: Option<String>,
    pub key_id: Option<i64>,
    pub service_code: Option<String>,
    /// Price in the account's currency; LOX24 sends a float, older answers an integer.
    #[serde(default)]
    pub price: f64,
    pub requests: Option<String>,
    pub clicks: Option<String>,
}

fn one() -> u32 {
    1
}

/// The account behind a key (`GET /me`).
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Account {
    pub id: i64,
    #[serde(default = "euro")]
    pub currency: String,
    #[serde(default)]
    pub balance_amount: f64,
    pub balance_changed_at: Option<i64>,
    #[serde(default)]
    pub is_text_deleted: bool,
    #[serde(default)]
    pub services: Vec<String>,
    #[serde(default)]
    pub groups: BTreeMap<String, String>,
}

fn euro() -> String {
    "EUR".to_string()
}

/// The answer of `POST /sms/ops/batch_cancel`; the key says "deleted" even for a cancel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
pub struct BatchCount {
    pub deleted_sms_count: u64,
}

/// One failed check in a 400/422 answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Violation {
    /// The request field, LOX24's `propertyPath`.
    pub field: String,
    pub message: String,
}

/// Defines an open integer enum: known codes get a variant, anything else is kept in
/// `Unknown` so that a new code from LOX24 never breaks reading an answer.
macro_rules! open_code {
    ($(#[$doc:meta])* $name:ident { $($variant:ident = $code:literal => $words:literal,)+ }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
        pub enum $name {
            #[default]
            $($variant,)+
            Unknown(i64),
        }

        impl $name {
            pub fn code(self) -> i64 {
                match self {
                    $($name::$variant => $code,)+
                    $name::Unknown(code) => code,
                }
            }

            /// What the code means, in words for the user.
            pub fn words(self) -> String {
                match self {
                    $($name::$variant => $words.to_string(),)+
                    $name::Unknown(code) => format!("unknown code {code}"),
                }
            }
        }

        impl From<i64> for $name {
            fn from(code: i64) -> $name {
                match code {
                    $($code => $name::$variant,)+
                    other => $name::Unknown(other),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.words())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_i64(self.code())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<$name, D::Error> {
                i64::deserialize(deserializer).map($name::from)
            }
        }
    };
}

open_code! {
    /// LOX24's processing status of an SMS (`status_code`).
    StatusCode {
        New = 0 => "new, not yet handed to the operator",
        HandedOver = 100 => "handed to the mobile operator",
        BlockedDestination = 208 => "blocked destination",
        Maintenance = 400 => "not processed because of maintenance",
        StoppedInAccount = 410 => "stopped in the LOX24 account",
        NoLandline = 2000 => "landline not reachable",
        NoBalance = 3000 => "no balance",
        NoOperator = 5000 => "no mobile operator found",
        StoppedViaApi = 6000 => "cancelled",
    }
}

open_code! {
    /// The delivery report of an SMS (`dlr_code`).
    DlrCode {
        NoReport = 0 => "no delivery report yet",
        Delivered = 1 => "delivered",
        Queued = 2 => "queued",
        OnItsWay = 4 => "on its way",
        Expired = 8 => "expired",
        Rejected = 16 => "rejected",
    }
}

impl DlrCode {
    /// Whether the report is final: delivered, expired or rejected (or an unknown code,
    /// which is never going to turn into a known one by waiting).
    pub fn is_final(self) -> bool {
        !matches!(
            self,
            DlrCode::NoReport | DlrCode::Queued | DlrCode::OnItsWay
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FULL_SMS: &str = r#"{"bulk_id":null,"callback_data":"c-1","chars_count":34,
        "clicks":"/sms/u/clicks","created_at":1755868416,"delivery_at":0,"dlr_code":0,
        "gateway_sent_at":0,"ip":"139.59.136.251","is_sent":false,"is_text_deleted":false,
        "is_unicode":false,"iso2":"US","key_id":8291,"parts_count":1,"phone":"+14155552671",
        "price":0.056,"requests":"/sms/u/requests","sender_id":"+19388888025",
        "service_code":"direct","source":0,"status_code":0,"text":"Hello!",
        "uuid":"11111111-2222-3333-4444-555555555555","voice_lang":null}"#;

    #[test]
    fn reads_a_full_sms_answer() {
        let sms: Sms = serde_json::from_str(FULL_SMS).unwrap();
        assert_eq!(sms.uuid, "11111111-2222-3333-4444-555555555555");
        assert_eq!(sms.price, 0.056);
        assert_eq!(sms.callback_data.as_deref(), Some("c-1"));
        assert_eq!(sms.status_code, StatusCode::New);
    }

    #[test]
    fn reads_an_integer_price_and_unknown_codes() {
        let text = r#"{"uuid":"u","price":5,"status_code":4711,"dlr_code":32,"iso2":null}"#;
        let sms: Sms = serde_json::from_str(text).unwrap();
        assert_eq!(sms.price, 5.0);
        assert_eq!(sms.status_code, StatusCode::Unknown(4711));
        assert_eq!(sms.dlr_code, DlrCode::Unknown(32));
        assert_eq!(sms.dlr_code.words(), "unknown code 32");
        assert_eq!(sms.parts_count, 1);
    }

    #[test]
    fn codes_have_words_and_round_trip() {
        assert_eq!(DlrCode::from(1).words(), "delivered");
        assert_eq!(DlrCode::from(2).words(), "queued");
        assert_eq!(DlrCode::from(4).words(), "on its way");
        assert_eq!(DlrCode::from(8).words(), "expired");
        assert_eq!(DlrCode::from(16).words(), "rejected");
        assert_eq!(StatusCode::from(208).words(), "blocked destination");
        assert_eq!(StatusCode::from(3000).words(), "no balance");
        assert_eq!(
            serde_json::to_string(&StatusCode::StoppedViaApi).unwrap(),
            "6000"
        );
        assert!(DlrCode::Expired.is_final() && !DlrCode::OnItsWay.is_final());
    }

    #[test]
    fn a_request_leaves_out_unset_fields_and_uses_the_api_names() {
        let request = SmsRequest {
            sender_id: "Office".into(),
            phone: "+491701234567".into(),
            text: "hi".into(),
            is_text_deleted: Some(true),
            ..SmsRequest::default()
        };
        let json = serde_json::to_value(&request).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"sender_id": "Office", "phone": "+491701234567",
                "text": "hi", "is_text_deleted": true})
        );
    }
}
