//! How a counted text splits into SMS parts: one part holds 160 septets (GSM 7-bit) or
//! 70 UTF-16 units (UCS-2); a concatenated message loses room to its header and holds
//! 153 or 67 per part. Parts are packed greedily, character by character, so an escape
//! pair or a surrogate pair never straddles two parts, which is what the network does.
//! Which characters cost what lives in `gsm` and in `SmsText`, not here.

use serde::Serialize;

/// The most parts LOX24 sends for one message (its 1530 / 670 character limits are ten
/// concatenated parts).
pub const MAX_PARTS: usize = 10;

/// GSM 7-bit or UCS-2, as LOX24's `is_unicode` needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Encoding {
    /// The GSM 03.38 default alphabet, counted in septets.
    Gsm7,
    /// UCS-2, counted in UTF-16 code units (a character outside the BMP counts 2).
    Ucs2,
}

impl Encoding {
    /// `true` for UCS-2: the value for LOX24's `is_unicode`.
    pub fn is_unicode(self) -> bool {
        self == Encoding::Ucs2
    }

    /// The units a message that is not split may hold.
    pub fn single_part(self) -> usize {
        match self {
            Encoding::Gsm7 => 160,
            Encoding::Ucs2 => 70,
        }
    }

    /// The units each part of a concatenated message holds.
    pub fn per_part(self) -> usize {
        match self {
            Encoding::Gsm7 => 153,
            Encoding::Ucs2 => 67,
        }
    }

    /// The most units LOX24 accepts (its 1530 / 670).
    pub fn max_units(self) -> usize {
        self.per_part() * MAX_PARTS
    }

    /// The name shown to the user.
    pub fn describe(self) -> &'static str {
        match self {
            Encoding::Gsm7 => "GSM 7-bit",
            Encoding::Ucs2 => "Unicode (UCS-2)",
        }
    }
}

/// The result of packing a text's characters into parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Packing {
    /// All units of the text.
    pub units: usize,
    /// Parts needed, possibly more than [`MAX_PARTS`].
    pub parts: usize,
    /// Units still free in the last part.
    pub remaining: usize,
    /// Units that do not fit into [`MAX_PARTS`] parts; 0 when the text can be sent.
    pub overflow: usize,
}

/// Packs characters costing `costs` units each (1, or 2 for an escape or surrogate pair).
pub fn pack(encoding: Encoding, costs: impl IntoIterator<Item = usize>) -> Packing {
    let costs: Vec<usize> = costs.into_iter().collect();
    let units: usize = costs.iter().sum();
    if units <= encoding.single_part() {
        let remaining = encoding.single_part() - units;
        return Packing {
            units,
            parts: 1,
            remaining,
            overflow: 0,
        };
    }

    let capacity = encoding.per_part();
    let (mut parts, mut used, mut overflow) = (1, 0, 0);
    for cost in costs {
        if used + cost > capacity {
            parts += 1;
            used = 0;
        }
        used += cost;
        if parts > MAX_PARTS {
            overflow += cost;
        }
    }
    Packing {
        units,
        parts,
        remaining: capacity - used,
        overflow,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ones(n: usize) -> Vec<usize> {
        vec![1; n]
    }

    #[test]
    fn limits_are_lox24s() {
        assert_eq!(Encoding::Gsm7.max_units(), 1530);
        assert_eq!(Encoding::Ucs2.max_units(), 670);
    }

    #[test]
    fn a_pair_is_never_split_across_parts() {
        // 152 singles, then a pair: the pair does not fit into part one's last unit.
        let mut costs = ones(152);
        costs.push(2);
        costs.extend(ones(10));
        let packing = pack(Encoding::Gsm7, costs);
        assert_eq!(packing.units, 164);
        assert_eq!((packing.parts, packing.remaining), (2, 153 - 12));
    }

    #[test]
    fn overflow_counts_what_does_not_fit_into_ten_parts() {
        let packing = pack(Encoding::Ucs2, ones(675));
        assert_eq!((packing.parts, packing.overflow), (11, 5));
    }
}
