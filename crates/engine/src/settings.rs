//! Settings (MS-ASCMD 2.2.1.18): DeviceInformation, UserInformation, RightsManagement, and
//! the parts not served yet (Oof until ManageSieve lands, DevicePassword never: no
//! credentials are stored).

use eas::oof::{OofRequest, OofSettings, OofState};
use eas::settings::{Account, OofResponse, RightsManagementInformation, UserInformation};
use eas::{SettingsRequest, SettingsResponse, SettingsStatus};
use wbxml::Element;

use crate::{Context, EngineError};

pub fn handle(ctx: &Context<'_>, body: Option<&Element>) -> Result<Element, EngineError> {
    let response = match body.map(SettingsRequest::from_element) {
        Some(Ok(req)) => respond(ctx, &req)?,
        Some(Err(e)) => {
            tracing::info!(error = %e, "malformed Settings request");
            SettingsResponse::new(SettingsStatus::ProtocolError)
        }
        None => SettingsResponse::new(SettingsStatus::ProtocolError),
    };
    Ok(response.to_element(ctx.version))
}

fn respond(ctx: &Context<'_>, req: &SettingsRequest) -> Result<SettingsResponse, EngineError> {
    let mut resp = SettingsResponse::new(SettingsStatus::Success);
    if let Some(info) = &req.device_information {
        crate::device::update(ctx.store, ctx.device, |rec| rec.information = info.clone())?;
        resp.device_information = Some(SettingsStatus::Success);
    }
    if req.user_information {
        resp.user_information = Some(UserInformation {
            status: SettingsStatus::Success,
            accounts: vec![Account::primary(
                None,
                ctx.primary_address.to_owned(),
                Vec::new(),
            )],
        });
    }
    if req.rights_management_information {
        resp.rights_management_information = Some(RightsManagementInformation::none());
    }
    if req.device_password.is_some() {
        // A recovery password would be a stored credential; the policy does not ask for one
        // (PasswordRecoveryEnabled is off), so a device should not send it.
        resp.device_password = Some(SettingsStatus::DeniedByPolicy);
    }
    resp.oof = req.oof.as_ref().map(|oof| match oof {
        // Until out-of-office is served over ManageSieve, it reads as off and cannot be set.
        OofRequest::Get { .. } => OofResponse {
            status: SettingsStatus::Success,
            settings: Some(OofSettings {
                state: Some(OofState::Disabled),
                start_time: None,
                end_time: None,
                messages: Vec::new(),
            }),
        },
        OofRequest::Set(_) => OofResponse {
            status: SettingsStatus::AccessDenied,
            settings: None,
        },
    });
    Ok(resp)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provision::Policy;
    use eas::{DeviceInformation, PolicySettings, ProtocolVersion};
    use state::{DeviceKey, Store};
    use wbxml::tags::settings as s;

    fn run(store: &Store, req: &SettingsRequest) -> Element {
        let policy = Policy::new(PolicySettings::default());
        let device = DeviceKey::new("alice", "dev1");
        let ctx = Context {
            store,
            device: &device,
            version: ProtocolVersion::V16_1,
            policy: &policy,
            primary_address: "alice@example.org",
        };
        handle(&ctx, Some(&req.to_element())).unwrap()
    }

    #[test]
    fn device_information_is_stored_with_the_device() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_dir(dir.path()).unwrap();
        let info = DeviceInformation {
            model: Some("Pixel 9".into()),
            ..Default::default()
        };
        let req = SettingsRequest {
            device_information: Some(info.clone()),
            ..Default::default()
        };
        let resp = run(&store, &req);
        assert_eq!(resp.child_text(s::STATUS).as_deref(), Some("1"));
        let rec = store
            .device(&DeviceKey::new("alice", "dev1"))
            .unwrap()
            .unwrap();
        assert_eq!(rec.information, info);
    }

    #[test]
    fn a_device_password_is_refused_and_not_stored() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_dir(dir.path()).unwrap();
        let req = SettingsRequest {
            device_password: Some("1234".into()),
            ..Default::default()
        };
        let resp = run(&store, &req);
        let status = resp
            .find(s::DEVICE_PASSWORD)
            .and_then(|d| d.child_text(s::STATUS));
        assert_eq!(status.as_deref(), Some("7"));
        assert!(
            store
                .all_devices()
                .unwrap()
                .iter()
                .all(|d| d.information == DeviceInformation::default())
        );
    }
}
