import { useEffect, useState } from 'react';
import type { Camera } from '../../preload/api.ts';
import { api } from './api/index.ts';

/** Placeholder shell until the app frame lands: lists cameras and their status. */
export function App(): React.JSX.Element {
  const [cameras, setCameras] = useState<Camera[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const load = async () => {
      const r = await api.listCameras({});
      if (r.ok) setCameras(r.value);
      else setError(r.error.message);
    };
    void load();
    const t = setInterval(load, 2000);
    return () => clearInterval(t);
  }, []);
  return (
    <main style={{ background: '#0f1115', color: '#d7dae0', minHeight: '100vh', font: '15px system-ui', padding: 24 }}>
      <h1>Keepwatch</h1>
      {error && <p role="alert">{error}</p>}
      {!cameras && !error && <p>Loading…</p>}
      {cameras?.length === 0 && <p>No cameras yet.</p>}
      <ul>
        {cameras?.map((c) => (
          <li key={c.id} data-camera-id={c.id}>
            {c.name}: <span data-state={c.status.state}>{c.status.state}</span>
          </li>
        ))}
      </ul>
    </main>
  );
}
