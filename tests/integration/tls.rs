//! Encryption in flight to MongoDB: the stand-in serves TLS with a certificate signed by a
//! certificate authority made here, and the app's connection (`db::connect`, what `MONGODB_URI`
//! goes through) works with `tls=true&tlsCAFile=…` naming that CA, and fails without it, with
//! another CA, or without TLS.
use crate::persistence::Server;
use enrich::server::db;
use mongodb::bson::{Document, doc, oid::ObjectId};
use rcgen::{BasicConstraints, Certificate, CertificateParams, DnType, IsCa, KeyPair};
use std::path::{Path, PathBuf};

/// A certificate authority: its certificate and key.
fn authority(name: &str) -> (Certificate, KeyPair) {
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    (params.self_signed(&key).unwrap(), key)
}

fn write(dir: &Path, name: &str, pem: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, pem).unwrap();
    path
}

#[tokio::test]
async fn the_database_connection_needs_tls_and_the_ca_that_signed_the_server() {
    let dir = std::env::temp_dir().join(format!("enrich-tls-{}", ObjectId::new()));
    std::fs::create_dir_all(&dir).unwrap();
    let (ca, ca_key) = authority("enrich test CA");
    let (stranger, _) = authority("someone else's CA");
    let server_key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(vec!["127.0.0.1".to_owned()]).unwrap();
    params
        .distinguished_name
        .push(DnType::CommonName, "127.0.0.1");
    let server_cert = params.signed_by(&server_key, &ca, &ca_key).unwrap();
    let cert = write(&dir, "server.pem", &server_cert.pem());
    let key = write(&dir, "server.key", &server_key.serialize_pem());
    let ca_file = write(&dir, "ca.pem", &ca.pem());
    let stranger_file = write(&dir, "stranger.pem", &stranger.pem());
    let server = Server::launch(
        &[
            "--port",
            "0",
            "--memory",
            "--tls-cert",
            cert.to_str().unwrap(),
            "--tls-key",
            key.to_str().unwrap(),
        ],
        &dir.join("server.log"),
    );

    let trusted = format!("{}/?tls=true&tlsCAFile={}", server.uri, ca_file.display());
    let database = db::connect(&trusted, "tls_test")
        .await
        .expect("TLS with the CA that signed the server's certificate");
    let events = database.collection::<Document>("events");
    events
        .insert_one(doc! { "_id": "web:1", "event": "Signed Up" })
        .await
        .unwrap();
    let stored = events.find_one(doc! { "_id": "web:1" }).await.unwrap();
    assert_eq!(stored.unwrap().get_str("event").unwrap(), "Signed Up");

    for (refused, why) in [
        (
            format!("{}/?tls=true", server.uri),
            "TLS without the CA: the certificate is not trusted",
        ),
        (
            format!(
                "{}/?tls=true&tlsCAFile={}",
                server.uri,
                stranger_file.display()
            ),
            "TLS with another CA",
        ),
        (server.uri.clone(), "no TLS: the server speaks only TLS"),
    ] {
        let refused = format!(
            "{refused}{}serverSelectionTimeoutMS=2000",
            separator(&refused)
        );
        assert!(db::connect(&refused, "tls_test").await.is_err(), "{why}");
    }
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}

/// What goes before one more URI option.
fn separator(uri: &str) -> &'static str {
    if uri.contains('?') { "&" } else { "/?" }
}
