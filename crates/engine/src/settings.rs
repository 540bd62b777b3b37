//! Settings (MS-ASCMD 2.2.1.18): DeviceInformation, UserInformation, RightsManagement, and
//! the parts not served yet (Oof until ManageSieve lands, DevicePassword never: no
//! credentials are stored).

use eas::oof::{OofRequest, OofSettings, OofState};
use eas::settings::{Account, OofResponse, RightsManagementInformation, UserInformation};
use eas::{DeviceInformation, SettingsRequest, SettingsResponse, SettingsStatus};
use state::DeviceRecord;
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
        let stored = stored_information(info);
        let now = crate::device::now();
        ctx.store.update_device(ctx.device, |slot| {
            slot.get_or_insert_with(|| DeviceRecord::new(ctx.device, "", now))
                .information = stored;
        })?;
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

/// The stored form of what a device says about itself.
pub(crate) fn stored_information(info: &DeviceInformation) -> state::DeviceInformation {
    state::DeviceInformation {
        model: info.model.clone(),
        imei: info.imei.clone(),
        friendly_name: info.friendly_name.clone(),
        os: info.os.clone(),
        os_language: info.os_language.clone(),
        phone_number: info.phone_number.clone(),
        user_agent: info.user_agent.clone(),
        enable_outbound_sms: info.enable_outbound_sms,
        mobile_operator: info.mobile_operator.clone(),
    }
}
