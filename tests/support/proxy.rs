//! The fault-injecting proxy (`tests/harness/fault_proxy.py`) from the Rust tests: one proxy
//! per test, on a free loopback port, in front of the moto server `scripts/test` started
//! (`TRAILPROOF_TEST_ENDPOINT`). Its rules decide which requests fail and how; its request
//! log shows what the binary asked for. The proxy process is killed when the handle drops.

use std::io::{Read as _, Write as _};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// Python for the stdlib-only proxy: `TRAILPROOF_TEST_PYTHON` (set by `scripts/test`), else
/// `python3`.
fn python() -> String {
    std::env::var("TRAILPROOF_TEST_PYTHON").unwrap_or_else(|_| "python3".to_owned())
}

/// A running proxy.
pub struct FaultProxy {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

/// One request the proxy saw.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub query: String,
    /// `SigV4` service of the credential scope (`s3`, `cloudtrail`, …); `None` when unsigned.
    pub service: Option<String>,
    /// The operation where the protocol names it (`X-Amz-Target`, query `Action`, CBOR
    /// path); `None` for REST protocols such as S3.
    pub operation: Option<String>,
    /// Status sent back (`None` for a reset or a stall).
    #[allow(dead_code, reason = "no test reads it yet")]
    pub status: Option<u64>,
    /// The fault injected, if any.
    pub fault: Option<String>,
}

impl FaultProxy {
    /// Starts a proxy in front of the moto server and waits until it answers.
    pub fn start() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let port_file: PathBuf = dir.path().join("port");
        let script = super::trail::repo().join("tests/harness/fault_proxy.py");
        let mut child = Command::new(python())
            .arg(&script)
            .args([
                "--upstream",
                &super::moto::endpoint(),
                "--port",
                "0",
                "--exit-with-parent",
            ])
            .arg("--port-file")
            .arg(&port_file)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start fault proxy");
        let deadline = Instant::now() + Duration::from_secs(20);
        let port = loop {
            if let Ok(text) = std::fs::read_to_string(&port_file)
                && let Ok(p) = text.trim().parse::<u16>()
            {
                break p;
            }
            if let Ok(Some(status)) = child.try_wait() {
                panic!("fault proxy exited during startup: {status}");
            }
            assert!(Instant::now() < deadline, "fault proxy not up after 20 s");
            std::thread::sleep(Duration::from_millis(20));
        };
        let proxy = Self {
            child,
            port,
            _dir: dir,
        };
        let (status, body) = proxy.call("GET", "/_proxy/health", None);
        assert_eq!((status, body.as_str()), (200, "ok"), "proxy health");
        proxy
    }

    /// `http://127.0.0.1:PORT`, for `AWS_ENDPOINT_URL` / `--endpoint-url`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// One HTTP/1.1 call to the proxy's control API: (status, body).
    fn call(&self, method: &str, path: &str, body: Option<&Value>) -> (u16, String) {
        let payload = body.map(Value::to_string).unwrap_or_default();
        let mut s = std::net::TcpStream::connect(("127.0.0.1", self.port)).expect("connect proxy");
        s.set_read_timeout(Some(Duration::from_secs(30)))
            .expect("timeout");
        write!(
            s,
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{payload}",
            self.port,
            payload.len()
        )
        .expect("write");
        let mut resp = String::new();
        s.read_to_string(&mut resp).expect("read");
        let status = resp
            .split(' ')
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        let body = resp
            .split_once("\r\n\r\n")
            .map(|(_, b)| b.to_owned())
            .unwrap_or_default();
        (status, body)
    }

    /// Adds one rule (see the proxy's docstring) and returns its id.
    pub fn rule(&self, rule: &Value) -> u64 {
        let (status, body) = self.call("POST", "/_proxy/rules", Some(rule));
        assert_eq!(status, 200, "proxy refused rule {rule}: {body}");
        let v: Value = serde_json::from_str(&body).expect("json");
        v["ids"][0].as_u64().expect("rule id")
    }

    /// The rules with their hit counts.
    pub fn rules(&self) -> Vec<Value> {
        let (status, body) = self.call("GET", "/_proxy/rules", None);
        assert_eq!(status, 200, "{body}");
        let v: Value = serde_json::from_str(&body).expect("json");
        v["rules"].as_array().cloned().unwrap_or_default()
    }

    /// How often the rule `id` fired.
    pub fn hits(&self, id: u64) -> u64 {
        self.rules()
            .iter()
            .find(|r| r["id"].as_u64() == Some(id))
            .and_then(|r| r["hits"].as_u64())
            .unwrap_or(0)
    }

    /// Removes every rule.
    #[allow(dead_code, reason = "no test uses it yet")]
    pub fn clear_rules(&self) {
        let (status, body) = self.call("DELETE", "/_proxy/rules", None);
        assert_eq!(status, 200, "{body}");
    }

    /// Every request seen so far, in order.
    pub fn requests(&self) -> Vec<Seen> {
        let (status, body) = self.call("GET", "/_proxy/requests", None);
        assert_eq!(status, 200, "{body}");
        let v: Value = serde_json::from_str(&body).expect("json");
        v["requests"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .map(|r| Seen {
                method: r["method"].as_str().unwrap_or_default().to_owned(),
                path: r["path"].as_str().unwrap_or_default().to_owned(),
                query: r["query"].as_str().unwrap_or_default().to_owned(),
                service: r["service"].as_str().map(ToOwned::to_owned),
                operation: r["operation"].as_str().map(ToOwned::to_owned),
                status: r["status"].as_u64(),
                fault: r["fault"].as_str().map(ToOwned::to_owned),
            })
            .collect()
    }

    /// Forgets the requests seen so far.
    pub fn clear_requests(&self) {
        let (status, body) = self.call("DELETE", "/_proxy/requests", None);
        assert_eq!(status, 200, "{body}");
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
