//! How the log files are protected (CT-08 … CT-10): integrity validation, SSE-KMS
//! encryption, and whether the KMS key is usable, customer managed and rotated.

use super::context::{Cx, arn_account, arn_region, or_null, problem};
use crate::controls::result::{Evidence, Verdict};
use crate::snapshot::model::{KeyDetails, TrailDetails};

impl Cx<'_> {
    /// CT-08: log file integrity validation is enabled, per trail.
    pub(super) fn log_file_validation(&mut self) {
        let trails: Vec<&TrailDetails> = self.trails().collect();
        for d in trails {
            let t = &d.trail;
            let ev = vec![self.trail_ev(
                d,
                "LogFileValidationEnabled",
                t.log_file_validation_enabled.into(),
            )];
            let v = if t.log_file_validation_enabled {
                Verdict::pass(
                    format!("trail {} has log file validation enabled", t.arn),
                    ev,
                )
            } else {
                Verdict::fail(
                    format!("trail {} has log file validation disabled", t.arn),
                    ev,
                )
            };
            self.push("CT-08", t.arn.clone(), &t.home_region, v);
        }
    }

    /// CT-09: logs are encrypted with SSE-KMS, per trail.
    pub(super) fn kms_encryption(&mut self) {
        let trails: Vec<&TrailDetails> = self.trails().collect();
        for d in trails {
            let t = &d.trail;
            let ev = vec![self.trail_ev(d, "KmsKeyId", or_null(t.kms_key_id.clone()))];
            let v = match &t.kms_key_id {
                Some(k) => Verdict::pass(
                    format!("trail {} encrypts logs with KMS key {k}", t.arn),
                    ev,
                ),
                None => Verdict::fail(format!("trail {} uses SSE-S3, not SSE-KMS", t.arn), ev),
            };
            self.push("CT-09", t.arn.clone(), &t.home_region, v);
        }
    }

    /// CT-10: each trail KMS key is enabled, customer managed, symmetric and rotated.
    pub(super) fn kms_key_usable(&mut self) {
        if self.snap.keys.is_empty() {
            let reason = "no trail uses a KMS key (see CT-09)";
            return self.push_account("CT-10", Verdict::not_applicable(reason));
        }
        let keys: Vec<(&String, &KeyDetails)> = self.snap.keys.iter().collect();
        for (key, k) in keys {
            let region = arn_region(key).unwrap_or(&self.home).to_owned();
            let v = self.key_usable(key, k);
            self.push("CT-10", key.clone(), &region, v);
        }
    }

    /// CT-10 for one key.
    fn key_usable(&self, key: &str, k: &KeyDetails) -> Verdict {
        let m = match k.describe.value() {
            None if k.describe.absent().is_some() => {
                return Verdict::fail(
                    format!(
                        "KMS key {key} does not exist ({}): the trail cannot deliver",
                        problem(&k.describe)
                    ),
                    vec![Evidence::failed(&k.describe)],
                );
            }
            None => return self.unknown(&k.describe, arn_account(key), &format!("KMS key {key}")),
            Some(m) => m,
        };
        let mut problems = Vec::new();
        let mut ev = vec![
            Evidence::of(&k.describe, "KeyManager", m.key_manager.clone()),
            Evidence::of(&k.describe, "KeyState", m.key_state.clone()),
            Evidence::of(&k.describe, "KeySpec", m.key_spec.clone()),
        ];
        if m.key_state != "Enabled" {
            problems.push(format!(
                "key state is {} (CloudTrail cannot encrypt new logs)",
                m.key_state
            ));
        }
        if m.key_manager != "CUSTOMER" {
            problems.push(format!(
                "key is managed by {}, not the customer",
                m.key_manager
            ));
        }
        if m.key_spec != "SYMMETRIC_DEFAULT" {
            problems.push(format!("key spec is {}", m.key_spec));
        }
        let mut unknown = None;
        match k.rotation.value() {
            Some(true) => {
                ev.push(Evidence::of(&k.rotation, "KeyRotationEnabled", true));
            }
            Some(false) => {
                ev.push(Evidence::of(&k.rotation, "KeyRotationEnabled", false));
                problems.push("automatic rotation is off".to_owned());
            }
            None => {
                ev.push(Evidence::failed(&k.rotation));
                unknown = Some(self.unknown(
                    &k.rotation,
                    arn_account(key),
                    &format!("rotation of KMS key {key}"),
                ));
            }
        }
        if !problems.is_empty() {
            Verdict::fail(format!("KMS key {key}: {}", problems.join("; ")), ev)
        } else if let Some(u) = unknown {
            Verdict { evidence: ev, ..u }
        } else {
            Verdict::pass(
                format!("KMS key {key} is an enabled, rotated, customer managed symmetric key"),
                ev,
            )
        }
    }
}
