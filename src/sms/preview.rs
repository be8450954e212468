//! The preview of a text before it is sent: the answer of `sms-bridge preview` and of
//! `POST /api/sms/preview`. [`Preview`] serialises to the JSON that DESIGN.md fixes;
//! the plain-words form is for the terminal. Counting lives in `SmsText`, the rewrite in
//! `rewrite`.

use std::fmt::Write as _;

use serde::Serialize;

use super::parts::Encoding;
use super::rewrite::GsmSafe;
use super::{NonGsmChar, SmsText};
use crate::cli::{PreviewArgs, UsageError};

/// Everything the user needs to decide before sending.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Preview {
    pub encoding: Encoding,
    pub units: usize,
    pub parts: usize,
    pub remaining: usize,
    pub non_gsm: Vec<NonGsmChar>,
    pub gsm_safe: GsmSafe,
}

impl Preview {
    pub fn of(text: &SmsText) -> Preview {
        Preview {
            encoding: text.encoding(),
            units: text.units(),
            parts: text.parts(),
            remaining: text.remaining(),
            non_gsm: text.non_gsm(),
            gsm_safe: text.gsm_safe(),
        }
    }

    /// The preview in plain words; `raw` is the text as received, to turn UTF-16 offsets
    /// into character positions counted from 1.
    pub fn describe(&self, raw: &str) -> String {
        let mut out = String::new();
        let at = |index| position(raw, index);
        // Writing to a String cannot fail.
        let _ = writeln!(out, "encoding:   {}", self.encoding.describe());
        let _ = writeln!(
            out,
            "characters: {} {}",
            self.units,
            unit_note(self.encoding)
        );
        let _ = writeln!(out, "parts:      {}", self.parts);
        let _ = writeln!(out, "remaining:  {} in the last part", self.remaining);
        if self.non_gsm.is_empty() {
            return out;
        }

        out.push_str("\nthese characters force Unicode:\n");
        for c in &self.non_gsm {
            let _ = writeln!(out, "  {} at position {}", show(c.character), at(c.index));
        }
        out.push_str(&self.describe_rewrite(at));
        out
    }

    fn describe_rewrite(&self, at: impl Fn(usize) -> usize) -> String {
        let safe = &self.gsm_safe;
        if safe.replacements.is_empty() {
            return "\nnone of them has a GSM equivalent\n".to_string();
        }
        let mut out = String::new();
        let outcome = match SmsText::parse(&safe.text) {
            Ok(text) => format!(
                "{}, {} characters, {} part{}",
                text.encoding().describe(),
                text.units(),
                text.parts(),
                if text.parts() == 1 { "" } else { "s" }
            ),
            Err(error) => error.to_string(),
        };
        let _ = writeln!(out, "\nsuggested GSM-safe text ({outcome}):");
        for line in safe.text.split('\n') {
            let _ = writeln!(out, "  | {line}");
        }
        out.push_str("replacements:\n");
        for r in &safe.replacements {
            let to = if r.to.is_empty() {
                "removed".to_string()
            } else {
                format!("{:?}", r.to)
            };
            let _ = writeln!(out, "  {} at position {}: {to}", show(r.from), at(r.index));
        }
        let replaced = |index| safe.replacements.iter().any(|r| r.index == index);
        for c in self.non_gsm.iter().filter(|c| !replaced(c.index)) {
            let _ = writeln!(
                out,
                "  {} at position {}: no GSM equivalent",
                show(c.character),
                at(c.index)
            );
        }
        out
    }
}

/// Runs `sms-bridge preview`.
pub fn run(args: &PreviewArgs) -> anyhow::Result<()> {
    let text = SmsText::parse(&args.text).map_err(|e| UsageError(format!("--text: {e}")))?;
    let preview = Preview::of(&text);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&preview)?);
    } else {
        print!("{}", preview.describe(&args.text));
    }
    Ok(())
}

fn unit_note(encoding: Encoding) -> &'static str {
    match encoding {
        Encoding::Gsm7 => "(€ ^ { } [ ] ~ \\ | count two)",
        Encoding::Ucs2 => "(UTF-16 units; an emoji counts two)",
    }
}

/// A character as `'“' (U+201C)`, with invisible ones escaped.
fn show(c: char) -> String {
    format!("{c:?} (U+{:04X})", u32::from(c))
}

/// The character position, from 1, of the UTF-16 offset `index` in `raw`.
fn position(raw: &str, index: usize) -> usize {
    let mut units = 0;
    let before = raw.chars().take_while(|c| {
        units += c.len_utf16();
        units <= index
    });
    before.count() + 1
}
