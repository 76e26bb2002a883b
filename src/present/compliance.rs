//! The compliance documents as text or JSON: the `check` document ([`CheckReport`]: one
//! line per result with its reason, the waiver notes, and the counts) and the `controls`
//! catalog listing. Formatting only: every status, count and outcome was decided when the
//! report was built.

use std::io::{self, Write};

use super::escape::neutralise;
use crate::controls::catalog::{ControlDef, Framework};
use crate::report::check::CheckReport;

/// Schema of the `controls` listing.
pub const CONTROLS_SCHEMA: &str = "trailproof.controls/1";

/// Writes the report as pretty JSON and a newline.
///
/// # Errors
/// The writer's error.
pub fn write_json(out: &mut impl Write, report: &CheckReport) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, report)?;
    writeln!(out)
}

/// Writes the report as a text table: every result with its reason (and waiver), the
/// expired and unused waivers, and the counts with the outcome.
///
/// # Errors
/// The writer's error.
pub fn write_text(out: &mut impl Write, r: &CheckReport) -> io::Result<()> {
    let fw = r.framework.as_ref().map(|f| f.name.clone());
    writeln!(
        out,
        "Compliance of account {} as of {} (snapshot {}; regions: {})",
        r.account,
        r.as_of,
        r.snapshot_taken_at,
        r.regions.join(", ")
    )?;
    writeln!(out)?;
    for x in &r.results {
        let id = match &x.check {
            Some(c) => format!("{} {c}", x.control_id),
            None => x.control_id.to_owned(),
        };
        let status = if x.waived {
            format!("{} (waived)", x.status.word())
        } else {
            x.status.word().to_owned()
        };
        let severity = format!("{:?}", x.severity).to_lowercase();
        let req = match &fw {
            Some(name) => {
                let ids: Vec<&str> = x.frameworks.iter().map(|f| f.id).collect();
                format!("{name} {:<10} ", ids.join(","))
            }
            None => String::new(),
        };
        writeln!(
            out,
            "{id:<15} {status:<14} {severity:<8} {req}{}",
            neutralise(&x.resource)
        )?;
        writeln!(out, "    {}", neutralise(&x.reason))?;
        if let Some(w) = &x.waiver {
            writeln!(
                out,
                "    waived until {}: {}",
                w.expires,
                neutralise(&w.reason)
            )?;
        }
    }
    writeln!(out)?;
    for w in &r.waivers.expired {
        writeln!(
            out,
            "waiver for {} {} expired on {} and no longer applies: {}",
            w.control,
            neutralise(&w.resource),
            w.expires,
            neutralise(&w.reason)
        )?;
    }
    for w in &r.waivers.unused {
        writeln!(
            out,
            "waiver for {} {} matched no result",
            w.control,
            neutralise(&w.resource)
        )?;
    }
    let counts: Vec<String> = r
        .summary
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(k, n)| format!("{n} {k}"))
        .collect();
    writeln!(out, "Results: {} ({})", counts.join(", "), r.outcome.word())
}

/// Writes the catalog listing (from [`crate::controls::catalog::listing`]) as pretty JSON
/// (`trailproof.controls/1`) and a newline: each control, with its ids in `framework` when
/// one was selected.
///
/// # Errors
/// The writer's error.
pub fn write_controls_json(
    out: &mut impl Write,
    rows: &[(&ControlDef, Vec<&str>)],
    framework: Option<&Framework>,
) -> io::Result<()> {
    let items: Vec<serde_json::Value> = rows
        .iter()
        .map(|(def, ids)| {
            let mut v = serde_json::to_value(def).unwrap_or_default();
            if let Some(fw) = framework {
                v["framework"] = serde_json::json!({ "name": fw.name(), "ids": ids });
            }
            v
        })
        .collect();
    let doc = serde_json::json!({ "schema_version": CONTROLS_SCHEMA, "controls": items });
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}

/// Writes the catalog listing as text: id, severity, scope, the framework's ids when one was
/// selected, and the title.
///
/// # Errors
/// The writer's error.
pub fn write_controls_text(
    out: &mut impl Write,
    rows: &[(&ControlDef, Vec<&str>)],
    framework: Option<&Framework>,
) -> io::Result<()> {
    let label = framework.map(Framework::name);
    for (def, ids) in rows {
        let severity = format!("{:?}", def.severity).to_uppercase();
        let scope = format!("{:?}", def.scope);
        match &label {
            Some(name) => writeln!(
                out,
                "{:<6} {:<8} {:<14} {:<16} {}",
                def.id,
                severity,
                scope,
                format!("{name} {}", ids.join(", ")),
                def.title
            )?,
            None => writeln!(
                out,
                "{:<6} {:<8} {:<14} {}",
                def.id, severity, scope, def.title
            )?,
        }
    }
    Ok(())
}
