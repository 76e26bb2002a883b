//! `trailproof controls`: lists the compliance control catalog, optionally labelled with the
//! ids of one framework (`--framework cis-3.0`, `securityhub`, `pci-dss-4`, …).

use std::io::Write as _;

use clap::Args;

use super::exit;
use super::verify::Format;
use crate::controls::catalog::{self, CATALOG};

/// Options of `controls`.
#[derive(Debug, Args)]
pub struct ControlsArgs {
    /// Only the controls mapped to this framework, labelled with its ids: cis-1.4 … cis-7.0,
    /// securityhub, pci-dss-4, nist-800-53, soc2, hipaa.
    #[arg(long)]
    pub framework: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// Runs `controls`.
pub fn run(args: &ControlsArgs) -> u8 {
    let framework = match args.framework.as_deref().map(super::check::parse_framework) {
        None => None,
        Some(Ok(fw)) => Some(fw),
        Some(Err(e)) => return super::fail(&e),
    };
    let rows: Vec<(&catalog::ControlDef, Vec<&str>)> = CATALOG
        .iter()
        .map(|def| {
            let ids = framework
                .as_ref()
                .map(|fw| catalog::ids_in(def, fw))
                .unwrap_or_default();
            (def, ids)
        })
        .filter(|(_, ids)| framework.is_none() || !ids.is_empty())
        .collect();
    let mut out = std::io::stdout().lock();
    match args.format {
        Format::Json => {
            let items: Vec<serde_json::Value> = rows
                .iter()
                .map(|(def, ids)| {
                    let mut v = serde_json::to_value(def).unwrap_or_default();
                    if let Some(fw) = &framework {
                        v["framework"] = serde_json::json!({ "name": fw.name(), "ids": ids });
                    }
                    v
                })
                .collect();
            let doc =
                serde_json::json!({ "schema_version": "trailproof.controls/1", "controls": items });
            let _ = serde_json::to_writer_pretty(&mut out, &doc);
            let _ = writeln!(out);
        }
        Format::Text => {
            let label = framework.as_ref().map(catalog::Framework::name);
            for (def, ids) in &rows {
                let severity = format!("{:?}", def.severity).to_uppercase();
                let scope = format!("{:?}", def.scope);
                match &label {
                    Some(name) => {
                        let _ = writeln!(
                            out,
                            "{:<6} {:<8} {:<14} {:<16} {}",
                            def.id,
                            severity,
                            scope,
                            format!("{name} {}", ids.join(", ")),
                            def.title
                        );
                    }
                    None => {
                        let _ = writeln!(
                            out,
                            "{:<6} {:<8} {:<14} {}",
                            def.id, severity, scope, def.title
                        );
                    }
                }
            }
        }
    }
    exit::CLEAN
}
