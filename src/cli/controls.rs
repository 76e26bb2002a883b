//! `trailproof controls`: lists the compliance control catalog, optionally labelled with the
//! ids of one framework (`--framework cis-3.0`, `securityhub`, `pci-dss-4`, …): arguments →
//! [`catalog::listing`] → [`crate::present::compliance`] → exit code.

use clap::Args;

use super::common::Format;
use super::exit;
use crate::controls::catalog;
use crate::present::compliance;

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
        Some(Err(e)) => return super::common::fail(&e),
    };
    let rows = catalog::listing(framework.as_ref());
    let mut out = std::io::stdout().lock();
    let _ = match args.format {
        Format::Json => compliance::write_controls_json(&mut out, &rows, framework.as_ref()),
        Format::Text => compliance::write_controls_text(&mut out, &rows, framework.as_ref()),
    };
    exit::CLEAN
}
