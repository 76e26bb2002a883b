//! Setting up the moto server for a test: an SDK configuration with static test
//! credentials, the harness's control API, and a case's world put into S3 with the public
//! keys the harness serves. The trail itself is created by each test, as it needs it.

use std::io::{Read as _, Write as _};

use aws_sdk_s3::primitives::ByteStream;
use serde_json::{Value, json};

use super::case::Case;

/// The moto server's endpoint (`scripts/test` exports it).
pub fn endpoint() -> String {
    std::env::var("TRAILPROOF_TEST_ENDPOINT").unwrap_or_else(|_| {
        panic!("TRAILPROOF_TEST_ENDPOINT is not set: run the suite with scripts/test, which starts the moto server")
    })
}

/// An SDK configuration for `region` at the moto server, with static test credentials (the
/// set-up is not what is under test).
pub async fn sdk_config(region: &str) -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new(region.to_owned()))
        .credentials_provider(aws_sdk_s3::config::Credentials::new(
            "testing", "testing", None, None, "test",
        ))
        .endpoint_url(endpoint())
        .load()
        .await
}

/// POSTs JSON to the harness control API (directly at moto, never through a proxy).
pub fn control(path: &str, body: &Value) {
    let ep = endpoint();
    let hostport = ep.trim_start_matches("http://");
    let payload = body.to_string();
    let mut s = std::net::TcpStream::connect(hostport).expect("connect harness");
    write!(
        s,
        "POST {path} HTTP/1.1\r\nHost: {hostport}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{payload}",
        payload.len()
    )
    .expect("write");
    let mut resp = String::new();
    s.read_to_string(&mut resp).expect("read");
    assert!(
        resp.starts_with("HTTP/1.1 200") || resp.starts_with("HTTP/1.0 200"),
        "harness said: {resp}"
    );
}

/// Creates the case's buckets, puts every object of its world (with its metadata) and
/// registers the public keys the case serves.
pub async fn put_world(c: &Case) {
    let conf = sdk_config("us-east-1").await;
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&conf)
            .force_path_style(true)
            .build(),
    );
    for b in std::iter::once(&c.spec.bucket).chain(&c.extra_buckets) {
        let _ = s3.create_bucket().bucket(b).send().await;
    }
    let mut puts = Vec::new();
    for (loc, obj) in &c.world.objects {
        let mut req = s3
            .put_object()
            .bucket(&loc.bucket)
            .key(&loc.key)
            .body(ByteStream::from(obj.body.clone()));
        for (k, v) in &obj.metadata {
            req = req.metadata(k, v);
        }
        puts.push(req.send());
    }
    for r in futures::future::join_all(puts).await {
        r.expect("put object");
    }
    for (region, recs) in &c.served_keys {
        let keys = trailproof::source::keys::to_cli_json(recs);
        let list: Vec<Value> = keys["PublicKeyList"]
            .as_array()
            .expect("list")
            .iter()
            .zip(recs)
            .map(|(k, r)| {
                json!({
                    "Value": k["Value"],
                    "Fingerprint": k["Fingerprint"],
                    "ValidityStartTime": r.valid_from.map(|t| t.timestamp()),
                    "ValidityEndTime": r.valid_to.map(|t| t.timestamp()),
                })
            })
            .collect();
        control(
            "/_trailproof/public-keys",
            &json!({"region": region, "keys": list}),
        );
    }
}
