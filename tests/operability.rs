//! Operability (issue 6): diagnostics never mix with the reference's lines, the exit-code
//! table, shell completions, the generated man pages, and instance-role credentials from an
//! IMDS endpoint on loopback.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    clippy::missing_panics_doc
)] // test code

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

// The parts of `tests/support/` this binary uses.
#[cfg(feature = "fixture")]
mod support {
    pub mod bundle;
    pub mod case;
    pub mod default_trail;
    pub mod expect;
    pub mod moto;
    pub mod run;
    pub mod trail;
}

const ARN: &str = "arn:aws:cloudtrail:us-east-1:111122223333:trail/sample-trail";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_trailproof"));
    // Whatever the caller's shell says, the defaults must hold.
    c.env_remove("RUST_LOG").env_remove("AWS_ENDPOINT_URL");
    c
}

fn text(b: &[u8]) -> String {
    String::from_utf8(b.to_vec()).expect("UTF-8 output")
}

/// `verify` of the committed sample bundle (one region), with `extra` arguments.
fn sample_verify(extra: &[&str], env: &[(&str, &str)]) -> Output {
    let root = repo();
    let mut c = bin();
    c.args([
        "verify",
        "--trail-arn",
        ARN,
        "--start-time",
        "2026-03-01T00:00:00Z",
        "--end-time",
        "2026-03-02T00:00:00Z",
        "--verbose",
    ])
    .arg("--bundle")
    .arg(root.join("testdata/sample/bucket"))
    .arg("--public-keys")
    .arg(root.join("testdata/sample/public-keys.json"))
    .args(extra);
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("run trailproof")
}

/// Whether a line is one `aws cloudtrail validate-logs` prints (spec §1.10), on stdout.
fn is_reference_stdout_line(line: &str) -> bool {
    line.is_empty()
        || line.starts_with("Validating log files for trail ")
        || line.starts_with("Results requested for ")
        || line.starts_with("Results found for ")
        || line.starts_with("Digest file\ts3://")
        || line.starts_with("Log file\ts3://")
        || line == "No digests found"
        || line == "No valid digests found in range"
        || [
            " digest files valid",
            " log files valid",
            " backfill digest files valid",
        ]
        .iter()
        .any(|s| line.split(',').next().unwrap_or("").ends_with(s))
}

#[test]
fn default_verify_writes_the_reference_lines_and_nothing_else() {
    let out = sample_verify(&[], &[("RUST_LOG", "trace")]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let stdout = text(&out.stdout);
    assert_eq!(text(&out.stderr), "", "nothing on stderr for a clean run");
    assert!(
        stdout.starts_with(&format!(
            "Validating log files for trail {ARN} between 2026-03-01T00:00:00Z and 2026-03-02T00:00:00Z\n\n"
        )),
        "{stdout}"
    );
    assert!(
        stdout.ends_with("\n24/24 digest files valid\n48/48 log files valid\n"),
        "{stdout}"
    );
    for line in stdout.lines() {
        assert!(
            is_reference_stdout_line(line),
            "not a reference line: {line:?}"
        );
    }
    // The same with an explicit off, and a JSON format that is not asked to write anything.
    let off = sample_verify(&["--log-level", "off", "--log-format", "json"], &[]);
    assert_eq!(
        (off.status, &off.stdout, &off.stderr),
        (out.status, &out.stdout, &out.stderr)
    );
}

#[test]
fn json_log_file_gets_the_diagnostics_and_the_output_is_unchanged() {
    let plain = sample_verify(&[], &[]);
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("trailproof.log");
    // The options are global: after the subcommand's own options as well as before them.
    let logged = sample_verify(
        &[
            "--log-level",
            "debug",
            "--log-format",
            "json",
            "--log-file",
            log.to_str().expect("path"),
        ],
        &[],
    );
    assert_eq!(logged.status.code(), Some(0));
    assert_eq!(text(&logged.stdout), text(&plain.stdout), "stdout changed");
    assert_eq!(text(&logged.stderr), text(&plain.stderr), "stderr changed");

    let lines = std::fs::read_to_string(&log).expect("log file written");
    let events: Vec<serde_json::Value> = lines
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    assert!(events.len() >= 4, "{lines}");
    for e in &events {
        for key in ["timestamp", "level", "target", "fields"] {
            assert!(e.get(key).is_some(), "{key} missing in {e}");
        }
    }
    let message = |m: &str| {
        events
            .iter()
            .find(|e| e["fields"]["message"] == m)
            .unwrap_or_else(|| panic!("no {m:?} event in\n{lines}"))
    };
    assert_eq!(
        message("source: evidence bundle, offline (no AWS call)")["span"]["command"],
        "verify"
    );
    assert_eq!(message("region verified")["fields"]["region"], "us-east-1");
    let finished = message("finished");
    assert_eq!(finished["fields"]["exit_code"], 0);
    assert!(finished["fields"]["elapsed_ms"].is_u64());

    // A second run appends.
    sample_verify(&["--log-file", log.to_str().expect("path")], &[]);
    let again = std::fs::read_to_string(&log).expect("log file");
    assert!(again.starts_with(&lines) && again.len() > lines.len());
    assert!(
        again[lines.len()..].contains(" INFO ") && !again[lines.len()..].contains("DEBUG"),
        "--log-file alone logs text at info:\n{}",
        &again[lines.len()..]
    );
}

#[test]
fn log_level_without_file_writes_text_to_stderr_only() {
    let plain = sample_verify(&[], &[]);
    let out = sample_verify(&["--log-level", "info"], &[]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        out.stdout, plain.stdout,
        "stdout is never used for diagnostics"
    );
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(" INFO ") && stderr.contains("trailproof::audit::run: region verified"),
        "{stderr}"
    );
}

#[test]
fn unwritable_log_file_is_could_not_run() {
    let out = sample_verify(&["--log-file", "/nonexistent-dir/x/trailproof.log"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(out.stdout, b"");
    assert!(
        text(&out.stderr).starts_with("\ncannot open log file /nonexistent-dir/x/trailproof.log"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn readme_exit_code_table_lists_every_code_of_exit_rs() {
    use trailproof::cli::exit;
    let readme = std::fs::read_to_string(repo().join("README.md")).expect("README");
    let section = readme
        .split("\n## Exit codes\n")
        .nth(1)
        .expect("README has an `## Exit codes` section");
    let section = section.split("\n## ").next().unwrap_or(section);
    for code in [
        exit::CLEAN,
        exit::FINDINGS,
        exit::CANNOT_RUN,
        exit::INCOMPLETE,
        exit::INTERRUPTED,
    ] {
        assert!(
            section.contains(&format!("\n| {code} |")),
            "exit code {code} missing from the README's table"
        );
    }
    for command in [
        "verify",
        "fetch",
        "check",
        "snapshot",
        "summarize",
        "report",
        "controls",
        "merge",
    ] {
        assert!(
            section.contains(&format!("`{command}`")),
            "{command} missing from the README's exit codes"
        );
    }
}

const SUBCOMMANDS: &[&str] = &[
    "verify",
    "fetch",
    "snapshot",
    "check",
    "controls",
    "summarize",
    "hunt",
    "search",
    "timeline",
    "report",
    "merge",
    "completions",
    "man",
];

fn completions(shell: &str) -> String {
    let out = bin()
        .args(["completions", shell])
        .output()
        .expect("run completions");
    assert_eq!(out.status.code(), Some(0), "{shell}: {out:?}");
    assert_eq!(out.stderr, b"", "{shell}");
    text(&out.stdout)
}

#[test]
fn completions_for_every_shell_name_every_subcommand() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let script = completions(shell);
        assert!(script.len() > 1000, "{shell}: {} bytes", script.len());
        for sub in SUBCOMMANDS {
            assert!(script.contains(sub), "{shell}: no {sub}");
        }
        // fish names long options without their dashes (`-l trail-arn`).
        for opt in ["trail-arn", "log-level", "all-regions"] {
            assert!(script.contains(opt), "{shell}: no {opt}");
        }
    }
}

#[test]
fn bash_completion_script_parses() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("trailproof.bash");
    std::fs::write(&path, completions("bash")).expect("write");
    let out = Command::new("bash")
        .arg("-n")
        .arg(&path)
        .output()
        .expect("run bash -n");
    assert!(out.status.success(), "bash -n: {}", text(&out.stderr));
}

#[test]
fn unknown_shell_is_a_usage_error() {
    let out = bin().args(["completions", "tcsh"]).output().expect("run");
    assert_eq!(out.status.code(), Some(2));
}

fn files_in(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| {
            let e = e.expect("entry");
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).expect("read"),
            )
        })
        .collect();
    files.sort();
    files
}

#[test]
fn committed_man_pages_are_current() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = bin()
        .args(["man", "--out"])
        .arg(dir.path())
        .output()
        .expect("run man");
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let fresh = files_in(dir.path());
    let committed = files_in(&repo().join("docs/man"));
    let names = |v: &[(String, Vec<u8>)]| v.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    let hint = "docs/man is stale: regenerate it with `cargo run -- man --out docs/man` (and delete pages of removed subcommands)";
    assert_eq!(names(&committed), names(&fresh), "{hint}");
    for ((name, a), (_, b)) in committed.iter().zip(&fresh) {
        assert!(a == b, "{name}: {hint}");
    }
    let mut expected: Vec<String> = std::iter::once("trailproof.1".to_owned())
        .chain(SUBCOMMANDS.iter().map(|s| format!("trailproof-{s}.1")))
        .collect();
    expected.sort();
    assert_eq!(names(&fresh), expected);
    // The listing names each file written.
    assert_eq!(text(&out.stdout).lines().count(), expected.len());
}

#[test]
fn man_without_out_prints_the_top_page() {
    let out = bin().arg("man").output().expect("run man");
    assert_eq!(out.status.code(), Some(0));
    let page = text(&out.stdout);
    assert!(page.contains(".TH trailproof 1"), "{page}");
    assert!(page.contains("\\-\\-log\\-level"), "{page}");
    assert!(page.contains(".SH \"EXIT STATUS\""), "{page}");
    assert_eq!(
        page.as_bytes(),
        std::fs::read(repo().join("docs/man/trailproof.1")).expect("committed page")
    );
}

/// Instance-role credentials: the real binary, with no credentials in its environment or
/// profile files, gets them from an `IMDSv2` server on loopback and verifies a trail in the
/// moto server with requests signed with them.
#[cfg(feature = "fixture")]
mod imds {
    use std::io::{BufRead as _, BufReader, Read as _, Write as _};
    use std::net::{TcpListener, TcpStream};
    use std::process::Command;
    use std::sync::{Arc, Mutex};

    use crate::support::bundle::run_bundle;
    use crate::support::case::{Case, case, verify_args};
    use crate::support::default_trail::base;
    use crate::support::expect::check_expectations;
    use crate::support::moto::{put_world, sdk_config};
    use crate::support::run::{Run, bin};

    use serde_json::json;

    const TOKEN: &str = "imds-test-token-AQAEAHj";
    const ROLE: &str = "trailproof-test-role";
    const ACCESS_KEY: &str = "ASIAIMDSTESTKEY00001";

    fn endpoint() -> String {
        std::env::var("TRAILPROOF_TEST_ENDPOINT").unwrap_or_else(|_| {
            panic!("TRAILPROOF_TEST_ENDPOINT is not set: run the suite with scripts/test, which starts the moto server")
        })
    }

    /// One request the IMDS server answered: method, path, whether it carried the token.
    #[derive(Debug, Clone, PartialEq, Eq)]
    struct Seen {
        method: String,
        path: String,
        token: bool,
    }

    /// A minimal `IMDSv2` on 127.0.0.1: the session token, the role name, the role's
    /// credentials and the region; every GET must carry the token. One request per
    /// connection. Serves until the test process ends.
    fn start_imds() -> (u16, Arc<Mutex<Vec<Seen>>>) {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&seen);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let _ = serve(stream, &log);
            }
        });
        (port, seen)
    }

    fn serve(stream: TcpStream, log: &Mutex<Vec<Seen>>) -> std::io::Result<()> {
        stream.set_read_timeout(Some(std::time::Duration::from_secs(10)))?;
        let mut reader = BufReader::new(stream.try_clone()?);
        let mut request_line = String::new();
        reader.read_line(&mut request_line)?;
        let mut parts = request_line.split_whitespace();
        let method = parts.next().unwrap_or("").to_owned();
        let path = parts.next().unwrap_or("").to_owned();
        let mut headers = Vec::new();
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line)? == 0 || line.trim().is_empty() {
                break;
            }
            if let Some((k, v)) = line.split_once(':') {
                headers.push((k.trim().to_ascii_lowercase(), v.trim().to_owned()));
            }
        }
        let header = |name: &str| {
            headers
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        if let Some(len) = header("content-length").and_then(|v| v.parse::<u64>().ok()) {
            std::io::copy(&mut (&mut reader).take(len), &mut std::io::sink())?;
        }
        let token = header("x-aws-ec2-metadata-token") == Some(TOKEN);
        log.lock().expect("log").push(Seen {
            method: method.clone(),
            path: path.clone(),
            token,
        });
        let creds = json!({
            "Code": "Success",
            "LastUpdated": "2026-03-01T00:00:00Z",
            "Type": "AWS-HMAC",
            "AccessKeyId": ACCESS_KEY,
            "SecretAccessKey": "imds-test-secret",
            "Token": "imds-test-session-token",
            "Expiration": "2099-01-01T00:00:00Z",
        })
        .to_string();
        let (status, extra, body) = match (method.as_str(), path.as_str()) {
            ("PUT", "/latest/api/token")
                if header("x-aws-ec2-metadata-token-ttl-seconds").is_some() =>
            {
                (
                    "200 OK",
                    "x-aws-ec2-metadata-token-ttl-seconds: 21600\r\n",
                    TOKEN.to_owned(),
                )
            }
            ("GET", _) if !token => ("401 Unauthorized", "", String::new()),
            ("GET", "/latest/meta-data/iam/security-credentials/") => {
                ("200 OK", "", ROLE.to_owned())
            }
            ("GET", p) if p == format!("/latest/meta-data/iam/security-credentials/{ROLE}") => {
                ("200 OK", "", creds)
            }
            ("GET", "/latest/meta-data/placement/region") => ("200 OK", "", "us-east-1".to_owned()),
            _ => ("404 Not Found", "", String::new()),
        };
        let mut stream = stream;
        write!(
            stream,
            "HTTP/1.1 {status}\r\nContent-Type: text/plain\r\n{extra}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )?;
        stream.flush()
    }

    /// Puts the case's bucket, objects, served keys and trail into moto (static test
    /// credentials: the set-up is not what is under test).
    async fn upload(c: &Case) {
        put_world(c).await;
        let conf = sdk_config("us-east-1").await;
        let ct = aws_sdk_cloudtrail::Client::new(&conf);
        let _ = ct
            .create_trail()
            .name(&c.spec.trail_name)
            .s3_bucket_name(&c.spec.bucket)
            .enable_log_file_validation(true)
            .send()
            .await;
    }

    /// Runs `verify` with credentials and region from IMDS only: a clean environment, empty
    /// profile files, the IMDS endpoint override.
    fn run_with_imds(c: &Case, port: u16, home: &std::path::Path, extra: &[&str]) -> Run {
        let ep = endpoint();
        let config = home.join("config");
        let credentials = home.join("credentials");
        std::fs::write(&config, "").expect("config");
        std::fs::write(&credentials, "").expect("credentials");
        let out = Command::new(bin())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", home)
            .env("AWS_CONFIG_FILE", &config)
            .env("AWS_SHARED_CREDENTIALS_FILE", &credentials)
            .env(
                "AWS_EC2_METADATA_SERVICE_ENDPOINT",
                format!("http://127.0.0.1:{port}"),
            )
            .env("AWS_ENDPOINT_URL", &ep)
            .arg("verify")
            .args(verify_args(c))
            .args(["--endpoint-url", &ep])
            .args(extra)
            .output()
            .expect("run trailproof");
        Run::from_output(&out)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn instance_role_credentials_from_imds_verify_a_trail() {
        let (spec, world) = base("imds_instance_role", None);
        let mut c = case("imds_instance_role", spec, world);
        c.expect_stdout = vec![
            "6/6 digest files valid".into(),
            "12/12 log files valid".into(),
        ];
        upload(&c).await;
        let (port, seen) = start_imds();
        let home = tempfile::tempdir().expect("home");

        let run = run_with_imds(&c, port, home.path(), &[]);
        check_expectations(&c, &run);
        let requests = seen.lock().expect("seen").clone();
        let saw = |method: &str, path: &str| {
            requests
                .iter()
                .any(|s| s.method == method && s.path == path && (method == "PUT" || s.token))
        };
        assert!(saw("PUT", "/latest/api/token"), "{requests:#?}");
        assert!(
            saw("GET", "/latest/meta-data/iam/security-credentials/"),
            "{requests:#?}"
        );
        assert!(
            saw(
                "GET",
                &format!("/latest/meta-data/iam/security-credentials/{ROLE}")
            ),
            "{requests:#?}"
        );
        assert!(
            requests.iter().all(|s| s.method == "PUT" || s.token),
            "a GET without the session token: {requests:#?}"
        );

        // The same bytes as the offline run of the same world (no credentials at all).
        let dir = tempfile::tempdir().expect("bundle");
        let offline = run_bundle(&c, dir.path(), &[]);
        assert_eq!(
            run, offline,
            "IMDS-credentialed S3 run differs from the bundle run"
        );

        // With every diagnostic on (into a file): the same output, and the file shows the
        // SDK's credential chain reaching the instance-metadata provider.
        let log = home.path().join("trailproof.jsonl");
        let logged = run_with_imds(
            &c,
            port,
            home.path(),
            &[
                "--log-level",
                "debug",
                "--log-format",
                "json",
                "--log-file",
                log.to_str().expect("path"),
            ],
        );
        assert_eq!(logged, run, "diagnostics changed the output");
        let lines = std::fs::read_to_string(&log).expect("log file");
        let events: Vec<serde_json::Value> = lines
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
            .collect();
        assert!(
            events
                .iter()
                .any(|e| e["fields"]["message"] == "loaded credentials"
                    && e["fields"]["provider"]
                        .as_str()
                        .is_some_and(|p| p.contains("Ec2InstanceMetadata"))),
            "no SDK event naming the IMDS provider in\n{lines}"
        );
        assert!(
            events
                .iter()
                .any(|e| e["fields"]["message"] == "AWS configuration loaded"
                    && e["fields"]["region"] == "us-east-1"),
            "region from IMDS not logged:\n{lines}"
        );
        assert!(
            events.iter().any(|e| e["target"]
                .as_str()
                .is_some_and(|t| t.starts_with("aws_smithy_runtime"))),
            "no SDK runtime events at debug"
        );
        assert!(
            !lines.contains("imds-test-secret") && !lines.contains("imds-test-session-token"),
            "a secret reached the log"
        );

        // And exactly what aws-cli prints for the same trail, when the reference is installed.
        if let Ok(aws) = std::env::var("TRAILPROOF_TEST_AWS_CLI") {
            let ep = endpoint();
            let reference = Command::new(aws)
                .args(["cloudtrail", "validate-logs"])
                .args(verify_args(&c))
                .args(["--endpoint-url", &ep])
                .env("AWS_ENDPOINT_URL_S3", &ep)
                .env("AWS_ENDPOINT_URL_ORGANIZATIONS", &ep)
                .env("AWS_ACCESS_KEY_ID", "testing")
                .env("AWS_SECRET_ACCESS_KEY", "testing")
                .env("AWS_DEFAULT_REGION", "us-east-1")
                .output()
                .expect("run aws cli");
            assert_eq!(run, Run::from_output(&reference), "differs from aws-cli");
        }
    }
}
