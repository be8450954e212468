//! `sms-bridge preview` run as the user runs it: the built binary, an empty home and
//! data dir, no network.

use std::process::{Command, Output};

use serde_json::{Value, json};

fn preview(args: &[&str]) -> Output {
    let home = tempfile::tempdir().expect("temp dir");
    Command::new(env!("CARGO_BIN_EXE_sms-bridge"))
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .arg("--data-dir")
        .arg(home.path().join("data"))
        .arg("preview")
        .args(args)
        .output()
        .expect("run sms-bridge")
}

#[test]
fn preview_json_reports_encoding_parts_and_the_gsm_safe_rewrite() {
    let text = "Termin „morgen“ – 10 €…\r\nGruß";
    let output = preview(&["--json", "--text", text]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    let answer: Value = serde_json::from_slice(&output.stdout).expect("JSON on stdout");
    let expected = json!({
        "encoding": "ucs2",
        "units": 28,
        "parts": 1,
        "remaining": 42,
        "non_gsm": [
            {"char": "„", "index": 7},
            {"char": "“", "index": 14},
            {"char": "–", "index": 16},
            {"char": "…", "index": 22}
        ],
        "gsm_safe": {
            "text": "Termin \"morgen\" - 10 €...\nGruß",
            "replacements": [
                {"from": "„", "to": "\"", "index": 7},
                {"from": "“", "to": "\"", "index": 14},
                {"from": "–", "to": "-", "index": 16},
                {"from": "…", "to": "...", "index": 22}
            ]
        }
    });
    assert_eq!(answer, expected);
}

#[test]
fn preview_json_of_a_long_gsm_text_counts_extension_characters_twice() {
    let text = format!("{}€", "a".repeat(159));
    let output = preview(&["--json", "--text", &text]);
    let answer: Value = serde_json::from_slice(&output.stdout).expect("JSON on stdout");
    assert_eq!(answer["encoding"], "gsm7");
    assert_eq!(
        (answer["units"].as_u64(), answer["parts"].as_u64()),
        (Some(161), Some(2))
    );
    assert_eq!(answer["remaining"], 153 - 8);
    assert_eq!(answer["non_gsm"], json!([]));
    assert_eq!(
        answer["gsm_safe"],
        json!({"text": text, "replacements": []})
    );
}

#[test]
fn preview_in_plain_words_names_the_characters_forcing_unicode() {
    let output = preview(&["--text", "It’s ok"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("encoding:   Unicode (UCS-2)"), "{stdout}");
    assert!(stdout.contains("'’' (U+2019) at position 3"), "{stdout}");
    assert!(stdout.contains("| It's ok"), "{stdout}");
}

#[test]
fn a_text_that_cannot_be_sent_is_a_usage_error_naming_the_field() {
    for text in ["", " \r\n ", "a\u{7}b", &"a".repeat(1531)] {
        let output = preview(&["--json", "--text", text]);
        assert_eq!(output.status.code(), Some(2), "{text:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("--text: "), "{stderr}");
        assert!(output.stdout.is_empty());
    }
}
