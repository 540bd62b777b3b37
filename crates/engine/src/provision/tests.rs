use super::*;
use eas::provision::PolicyType;
use state::{DeviceKey, Store};
use wbxml::tags::provision as p;

struct Fixture {
    _dir: tempfile::TempDir,
    store: Store,
    device: DeviceKey,
    policy: Policy,
}

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_dir(dir.path()).unwrap();
        Fixture {
            _dir: dir,
            store,
            device: DeviceKey::new("alice", "dev1"),
            policy: Policy::new(PolicySettings::default()),
        }
    }

    fn ctx(&self) -> Context<'_> {
        Context {
            store: &self.store,
            device: &self.device,
            version: ProtocolVersion::V16_1,
            policy: &self.policy,
            primary_address: "alice@example.org",
        }
    }

    fn provision(&self, phase: ProvisionPhase) -> Element {
        let req = ProvisionRequest {
            device_information: None,
            phase,
        };
        handle(&self.ctx(), Some(&req.to_element())).unwrap()
    }

    fn record(&self) -> DeviceRecord {
        self.store.device(&self.device).unwrap().unwrap()
    }
}

fn initial() -> ProvisionPhase {
    ProvisionPhase::Initial {
        policy_type: PolicyType::EasProvisioningWbxml,
    }
}

fn ack(key: u32) -> ProvisionPhase {
    ProvisionPhase::Acknowledgement {
        policy_type: PolicyType::EasProvisioningWbxml,
        policy_key: PolicyKey(key),
        status: ClientPolicyStatus::Applied,
    }
}

fn policy_of(resp: &Element) -> &Element {
    resp.find(p::POLICIES)
        .and_then(|ps| ps.find(p::POLICY))
        .unwrap()
}

fn key_of(resp: &Element) -> u32 {
    policy_of(resp)
        .child_text(p::POLICY_KEY)
        .unwrap()
        .parse()
        .unwrap()
}

fn policy_status(resp: &Element) -> String {
    policy_of(resp).child_text(p::STATUS).unwrap().into_owned()
}

#[test]
fn the_initial_request_is_answered_with_the_policy_and_a_temporary_key() {
    let f = Fixture::new();
    let resp = f.provision(initial());
    assert_eq!(resp.child_text(p::STATUS).as_deref(), Some("1"));
    assert!(policy_of(&resp).find(p::DATA).is_some());
    let temp = key_of(&resp);
    assert_ne!(temp, 0);
    assert!(
        matches!(f.record().provisioning, Provisioning::Pending { temporary_key, .. } if temporary_key == temp)
    );
}

#[test]
fn acknowledging_the_temporary_key_yields_a_different_final_key() {
    let f = Fixture::new();
    let temp = key_of(&f.provision(initial()));
    let resp = f.provision(ack(temp));
    assert_eq!(policy_status(&resp), "1");
    assert!(policy_of(&resp).find(p::DATA).is_none());
    let fin = key_of(&resp);
    assert_ne!(fin, temp);
    assert_eq!(f.record().policy_key(), Some(fin));
    assert_eq!(check_policy_key(&f.record(), Some(fin), &f.policy), Ok(()));
}

#[test]
fn a_retried_acknowledgement_gets_the_same_final_key() {
    let f = Fixture::new();
    let temp = key_of(&f.provision(initial()));
    let first = key_of(&f.provision(ack(temp)));
    let again = key_of(&f.provision(ack(temp)));
    assert_eq!(first, again);
}

#[test]
fn acknowledging_a_wrong_key_is_policy_status_5_and_issues_no_key() {
    let f = Fixture::new();
    let temp = key_of(&f.provision(initial()));
    let resp = f.provision(ack(temp.wrapping_add(1)));
    assert_eq!(policy_status(&resp), "5");
    assert!(policy_of(&resp).find(p::POLICY_KEY).is_none());
    assert_eq!(f.record().policy_key(), None);
}

#[test]
fn an_unknown_policy_type_is_policy_status_3() {
    let f = Fixture::new();
    let resp = f.provision(ProvisionPhase::Initial {
        policy_type: PolicyType::Other("X".into()),
    });
    assert_eq!(policy_status(&resp), "3");
}

#[test]
fn a_malformed_request_is_provision_status_2() {
    let f = Fixture::new();
    let bad = Element::new(p::PROVISION).child(Element::new(p::POLICIES));
    let resp = handle(&f.ctx(), Some(&bad)).unwrap();
    assert_eq!(resp.child_text(p::STATUS).as_deref(), Some("2"));
}

#[test]
fn a_request_without_a_key_is_missing_and_a_stale_key_is_a_mismatch() {
    let f = Fixture::new();
    let temp = key_of(&f.provision(initial()));
    let fin = key_of(&f.provision(ack(temp)));
    let rec = f.record();
    assert_eq!(
        check_policy_key(&rec, None, &f.policy),
        Err(PolicyKeyProblem::Missing)
    );
    assert_eq!(
        check_policy_key(&rec, Some(0), &f.policy),
        Err(PolicyKeyProblem::Missing)
    );
    assert_eq!(
        check_policy_key(&rec, Some(temp), &f.policy),
        Err(PolicyKeyProblem::Mismatch)
    );
    assert_eq!(check_policy_key(&rec, Some(fin), &f.policy), Ok(()));
}

#[test]
fn a_changed_policy_makes_every_issued_key_stale() {
    let f = Fixture::new();
    let temp = key_of(&f.provision(initial()));
    let fin = key_of(&f.provision(ack(temp)));
    let stricter = Policy::new(PolicySettings {
        allow_camera: false,
        ..PolicySettings::default()
    });
    assert_ne!(stricter.hash(), f.policy.hash());
    assert_eq!(
        check_policy_key(&f.record(), Some(fin), &stricter),
        Err(PolicyKeyProblem::Mismatch)
    );
}
