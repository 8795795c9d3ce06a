/**
 * PTZ service: continuous move and stop, zoom, presets and home. Speeds are
 * ONVIF's generic velocity space, -1..1 on each axis; values outside are
 * clamped, non-numbers refused before anything is sent.
 */
import { OnvifError } from './errors.ts';
import { endpointFor, type OnvifSession } from './session.ts';
import { soapCall } from './soap.ts';
import { cleanText, isValidToken } from './text.ts';
import { child, escapeXml, textOf } from './xml.ts';

export interface PtzSpeed {
  pan?: number;
  tilt?: number;
  zoom?: number;
}

export interface PtzPreset {
  token: string;
  name: string;
}

function ptzUrl(session: OnvifSession): string {
  if (!session.services.ptz) throw new OnvifError('NO_PTZ_SERVICE', 'This camera cannot pan, tilt or zoom (it has no PTZ service)');
  return session.services.ptz;
}

function token(value: string, what: string): string {
  if (!isValidToken(value)) throw new OnvifError('INVALID_ARGUMENT', `The ${what} must be 1 to 64 printable characters`);
  return escapeXml(value);
}

/** A float in -1..1 written without exponent notation (some firmware cannot read "1e-7"). */
function unit(value: number, axis: string): string {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new OnvifError('INVALID_ARGUMENT', `The ${axis} speed must be a number between -1 and 1`);
  }
  const clamped = Math.max(-1, Math.min(1, value));
  return String(Math.round(clamped * 1000) / 1000);
}

/** <tt:PanTilt>/<tt:Zoom> elements for the axes given; elementName is Velocity or Speed. */
function vector(elementName: string, speed: PtzSpeed | undefined): string {
  if (!speed) return '';
  const hasPanTilt = speed.pan !== undefined || speed.tilt !== undefined;
  const panTilt = hasPanTilt ? `<tt:PanTilt x="${unit(speed.pan ?? 0, 'pan')}" y="${unit(speed.tilt ?? 0, 'tilt')}"/>` : '';
  const zoom = speed.zoom !== undefined ? `<tt:Zoom x="${unit(speed.zoom, 'zoom')}"/>` : '';
  return panTilt || zoom ? `<tptz:${elementName}>${panTilt}${zoom}</tptz:${elementName}>` : '';
}

function call(session: OnvifSession, body: string) {
  return soapCall(endpointFor(session, ptzUrl(session)), body);
}

/**
 * Starts moving at the given speeds until stopMove() (or until timeoutSeconds,
 * which the camera enforces — a safety net if our Stop never arrives).
 */
export async function continuousMove(session: OnvifSession, profileToken: string, speed: PtzSpeed, timeoutSeconds?: number): Promise<void> {
  const velocity = vector('Velocity', speed);
  if (!velocity) throw new OnvifError('INVALID_ARGUMENT', 'A move needs a pan, tilt or zoom speed');
  let timeout = '';
  if (timeoutSeconds !== undefined) {
    if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0 || timeoutSeconds > 3600) {
      throw new OnvifError('INVALID_ARGUMENT', 'The move timeout must be between 0 and 3600 seconds');
    }
    timeout = `<tptz:Timeout>PT${Math.round(timeoutSeconds * 1000) / 1000}S</tptz:Timeout>`;
  }
  await call(
    session,
    `<tptz:ContinuousMove><tptz:ProfileToken>${token(profileToken, 'profile token')}</tptz:ProfileToken>${velocity}${timeout}</tptz:ContinuousMove>`,
  );
}

/** Continuous zoom only: positive zooms in, negative out. */
export function zoom(session: OnvifSession, profileToken: string, speed: number, timeoutSeconds?: number): Promise<void> {
  return continuousMove(session, profileToken, { zoom: speed }, timeoutSeconds);
}

export async function stopMove(session: OnvifSession, profileToken: string, axes: { panTilt?: boolean; zoom?: boolean } = {}): Promise<void> {
  const panTilt = axes.panTilt ?? true;
  const zoomToo = axes.zoom ?? true;
  await call(
    session,
    `<tptz:Stop><tptz:ProfileToken>${token(profileToken, 'profile token')}</tptz:ProfileToken>` +
      `<tptz:PanTilt>${panTilt}</tptz:PanTilt><tptz:Zoom>${zoomToo}</tptz:Zoom></tptz:Stop>`,
  );
}

export async function gotoPreset(session: OnvifSession, profileToken: string, presetToken: string, speed?: PtzSpeed): Promise<void> {
  await call(
    session,
    `<tptz:GotoPreset><tptz:ProfileToken>${token(profileToken, 'profile token')}</tptz:ProfileToken>` +
      `<tptz:PresetToken>${token(presetToken, 'preset token')}</tptz:PresetToken>${vector('Speed', speed)}</tptz:GotoPreset>`,
  );
}

/** Saves the current position; returns the preset token (the camera's own, or presetToken when overwriting). */
export async function setPreset(session: OnvifSession, profileToken: string, options: { name?: string; presetToken?: string } = {}): Promise<string> {
  const name = options.name !== undefined ? `<tptz:PresetName>${escapeXml(cleanText(options.name, 64))}</tptz:PresetName>` : '';
  const existing = options.presetToken !== undefined ? `<tptz:PresetToken>${token(options.presetToken, 'preset token')}</tptz:PresetToken>` : '';
  const body = await call(
    session,
    `<tptz:SetPreset><tptz:ProfileToken>${token(profileToken, 'profile token')}</tptz:ProfileToken>${name}${existing}</tptz:SetPreset>`,
  );
  const saved = textOf(child(child(body, 'SetPresetResponse'), 'PresetToken')) ?? options.presetToken;
  if (!isValidToken(saved)) throw new OnvifError('BAD_RESPONSE', 'The camera saved the preset but returned no usable preset token');
  return saved;
}

export async function removePreset(session: OnvifSession, profileToken: string, presetToken: string): Promise<void> {
  await call(
    session,
    `<tptz:RemovePreset><tptz:ProfileToken>${token(profileToken, 'profile token')}</tptz:ProfileToken>` +
      `<tptz:PresetToken>${token(presetToken, 'preset token')}</tptz:PresetToken></tptz:RemovePreset>`,
  );
}

export async function gotoHomePosition(session: OnvifSession, profileToken: string, speed?: PtzSpeed): Promise<void> {
  await call(
    session,
    `<tptz:GotoHomePosition><tptz:ProfileToken>${token(profileToken, 'profile token')}</tptz:ProfileToken>${vector('Speed', speed)}</tptz:GotoHomePosition>`,
  );
}

export async function getPresets(session: OnvifSession, profileToken: string): Promise<PtzPreset[]> {
  const body = await call(session, `<tptz:GetPresets><tptz:ProfileToken>${token(profileToken, 'profile token')}</tptz:ProfileToken></tptz:GetPresets>`);
  const presets: PtzPreset[] = [];
  for (const preset of child(body, 'GetPresetsResponse')?.children ?? []) {
    const presetToken = preset.attrs.token;
    if (preset.name !== 'Preset' || !isValidToken(presetToken)) continue;
    presets.push({ token: presetToken, name: cleanText(textOf(child(preset, 'Name')), 64) || presetToken });
    if (presets.length >= 256) break;
  }
  return presets;
}
