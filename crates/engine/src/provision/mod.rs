//! Provision (MS-ASPROV): the two-step policy exchange and the policy-key gate in front of
//! every other command.
//!
//! Step one answers the policy document with a temporary key; step two, the device's
//! acknowledgement of that key, is answered with the final key that later requests carry in
//! `X-MS-PolicyKey` (MS-ASPROV 3.1.5.1). A key is tied to the policy it was issued for: when
//! the configured policy changes, every device's key goes stale and it provisions again.

use eas::provision::{
    ClientPolicyStatus, PolicyKey, PolicyStatus, ProvisionPhase, ProvisionRequest,
    ProvisionResponse, ProvisionStatus,
};
use eas::{PolicyKeyProblem, PolicySettings, ProtocolVersion};
use state::{DeviceRecord, Provisioning};
use wbxml::Element;

use crate::{Context, EngineError};

/// The configured policy and a fingerprint of what devices receive.
#[derive(Clone, Debug)]
pub struct Policy {
    settings: PolicySettings,
    hash: u64,
}

impl Policy {
    pub fn new(settings: PolicySettings) -> Policy {
        // The fingerprint is of the encoded document, so it is stable across restarts and
        // changes exactly when what a device would be sent changes.
        let doc = wbxml::encode(&settings.to_element(ProtocolVersion::LATEST));
        Policy {
            hash: fnv1a(&doc),
            settings,
        }
    }

    pub fn settings(&self) -> &PolicySettings {
        &self.settings
    }

    pub fn hash(&self) -> u64 {
        self.hash
    }
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

/// Whether a request may pass: the device holds the final key of the current policy.
pub fn check_policy_key(
    record: &DeviceRecord,
    sent: Option<u32>,
    policy: &Policy,
) -> Result<(), PolicyKeyProblem> {
    let sent = match sent {
        None | Some(0) => return Err(PolicyKeyProblem::Missing),
        Some(k) => k,
    };
    match record.provisioning {
        Provisioning::Provisioned {
            policy_key,
            policy_hash,
            ..
        } if policy_key == sent && policy_hash == policy.hash => Ok(()),
        _ => Err(PolicyKeyProblem::Mismatch),
    }
}

/// Answers a Provision request.
pub fn handle(ctx: &Context<'_>, body: Option<&Element>) -> Result<Element, EngineError> {
    let response = match body.map(ProvisionRequest::from_element) {
        Some(Ok(req)) => respond(ctx, &req)?,
        Some(Err(e)) => {
            tracing::info!(error = %e, "malformed Provision request");
            ProvisionResponse::status_only(ProvisionStatus::ProtocolError)
        }
        None => ProvisionResponse::status_only(ProvisionStatus::ProtocolError),
    };
    Ok(response.to_element(ctx.version))
}

fn respond(ctx: &Context<'_>, req: &ProvisionRequest) -> Result<ProvisionResponse, EngineError> {
    let info = req.device_information.clone();
    let store_info = |rec: &mut DeviceRecord| {
        if let Some(info) = &info {
            rec.information = info.clone();
        }
    };
    match &req.phase {
        ProvisionPhase::Initial { policy_type } if !policy_type.is_supported() => {
            Ok(ProvisionResponse::policy_status(
                policy_type.clone(),
                PolicyStatus::UnknownPolicyType,
                None,
            ))
        }
        ProvisionPhase::Initial { .. } => {
            let temporary_key = new_key(None);
            let hash = ctx.policy.hash;
            crate::device::update(ctx.store, ctx.device, |rec| {
                store_info(rec);
                rec.provisioning = Provisioning::Pending {
                    temporary_key,
                    policy_hash: hash,
                };
            })?;
            Ok(ProvisionResponse::policy(
                PolicyKey(temporary_key),
                ctx.policy.settings.clone(),
                req.device_information.is_some(),
            ))
        }
        ProvisionPhase::Acknowledgement {
            policy_type,
            policy_key,
            status,
        } => {
            if *status != ClientPolicyStatus::Applied {
                // The configured policy is what the household chose to ask for; a device that
                // could apply only part of it still gets its key rather than a dead account.
                tracing::info!(
                    status = status.code(),
                    "device did not fully apply the policy"
                );
            }
            let acked = policy_key.0;
            let final_key = crate::device::update(ctx.store, ctx.device, |rec| {
                store_info(rec);
                match rec.provisioning {
                    Provisioning::Pending {
                        temporary_key,
                        policy_hash,
                    } if temporary_key == acked => {
                        let policy_key = new_key(Some(temporary_key));
                        rec.provisioning = Provisioning::Provisioned {
                            policy_key,
                            policy_hash,
                            temporary_key: Some(temporary_key),
                        };
                        Some(policy_key)
                    }
                    // A retried acknowledgement: the same answer as the first time.
                    Provisioning::Provisioned {
                        policy_key,
                        temporary_key: Some(t),
                        ..
                    } if t == acked => Some(policy_key),
                    _ => None,
                }
            })?;
            Ok(match final_key {
                Some(k) => ProvisionResponse::acknowledged(policy_type.clone(), PolicyKey(k)),
                None => ProvisionResponse::policy_status(
                    policy_type.clone(),
                    PolicyStatus::WrongPolicyKey,
                    None,
                ),
            })
        }
        // Remote wipe is not offered yet, so there is nothing to record beyond the device.
        ProvisionPhase::WipeAcknowledgement { .. } | ProvisionPhase::Empty => {
            crate::device::update(ctx.store, ctx.device, store_info)?;
            Ok(ProvisionResponse::status_only(ProvisionStatus::Success))
        }
    }
}

/// A random non-zero key, different from `other`.
fn new_key(other: Option<u32>) -> u32 {
    loop {
        let k: u32 = rand::random();
        if k != 0 && Some(k) != other {
            return k;
        }
    }
}

#[cfg(test)]
mod tests;
