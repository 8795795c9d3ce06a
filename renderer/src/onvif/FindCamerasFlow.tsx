/**
 * Find cameras (the ONVIF tab of Add camera): scan → pick a device → sign in
 * → preview and profiles → add. Each step keeps what the previous one found,
 * so Back never loses the scan or the typed login.
 */
import { useState } from 'react';
import type { AddedCamera, OnvifProbe } from '../../../preload/api.ts';
import { ConfirmStep } from './ConfirmStep.tsx';
import { LoginStep, type Login } from './LoginStep.tsx';
import { ScanStep, type PickedDevice, type ScanState } from './ScanStep.tsx';
import './onvif.css';

type Step = { kind: 'scan' } | { kind: 'login'; device: PickedDevice } | { kind: 'confirm'; device: PickedDevice; probe: OnvifProbe };

const STEPS = ['Find', 'Sign in', 'Confirm'] as const;

export function FindCamerasFlow({ onAdded, onUseRtsp }: { onAdded: (camera: AddedCamera) => void; onUseRtsp: () => void }): React.JSX.Element {
  const [step, setStep] = useState<Step>({ kind: 'scan' });
  const [scan, setScan] = useState<ScanState>({ defaults: null, selected: [], addresses: '', result: null });
  const [login, setLogin] = useState<Login>({ username: 'admin', password: '', acceptSelfSigned: false });
  const index = step.kind === 'scan' ? 0 : step.kind === 'login' ? 1 : 2;

  return (
    <div className="kwo-flow">
      <ol className="kwo-steps" aria-label="Steps">
        {STEPS.map((label, i) => (
          <li key={label} className={i === index ? 'is-current' : i < index ? 'is-done' : undefined} aria-current={i === index ? 'step' : undefined}>
            <span className="kwo-steps__n">{i + 1}</span>
            {label}
          </li>
        ))}
      </ol>
      {step.kind === 'scan' && <ScanStep state={scan} onState={setScan} onPick={(device) => setStep({ kind: 'login', device })} onUseRtsp={onUseRtsp} />}
      {step.kind === 'login' && (
        <LoginStep
          device={step.device}
          initial={login}
          onBack={() => setStep({ kind: 'scan' })}
          onProbed={(probe, typed) => {
            setLogin(typed);
            setStep({ kind: 'confirm', device: step.device, probe });
          }}
        />
      )}
      {step.kind === 'confirm' && (
        <ConfirmStep device={step.device} probe={step.probe} login={login} onBack={() => setStep({ kind: 'login', device: step.device })} onAdded={onAdded} />
      )}
    </div>
  );
}
