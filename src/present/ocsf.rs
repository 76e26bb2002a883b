//! OCSF as JSON Lines: one compact JSON object per line, in the order given, each line ended
//! by `\n` (the framing security data lakes ingest). Formatting only: the objects were built
//! by [`crate::report::ocsf`], which decided every value; nothing here filters, sorts or
//! adds to them.

use std::io::{self, Write};

use serde::Serialize;

/// Writes each event as one line of compact JSON.
///
/// # Errors
/// The writer's error (or serde's, which the models here cannot produce).
pub fn write_lines<'a, T: Serialize + 'a>(
    out: &mut impl Write,
    events: impl IntoIterator<Item = &'a T>,
) -> io::Result<()> {
    for event in events {
        serde_json::to_writer(&mut *out, event)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_compact_object_per_line() {
        let mut out = Vec::new();
        write_lines(
            &mut out,
            &[
                serde_json::json!({"a": 1}),
                serde_json::json!({"b": "x\ny"}),
            ],
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "{\"a\":1}\n{\"b\":\"x\\ny\"}\n"
        );
    }
}
