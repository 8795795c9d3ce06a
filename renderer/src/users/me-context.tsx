/**
 * The current person (getMe) for every page: `useMe()` answers who is signed
 * in, how (desktop, owner token, session, personal token) and what they may
 * do per camera. Provided by <SignInGate>, which re-reads it every 10 s so a
 * change of grants shows without a reload.
 */
import { createContext, useContext } from 'react';
import type { Me } from '../../../preload/api.ts';
import type { Abilities } from './rights.ts';

export interface MeValue extends Abilities {
  me: Me;
  /** Reads getMe again (after changing one's own account). */
  refresh(): Promise<void>;
  /** Ends this browser's session and shows the login page. */
  signOut(): Promise<void>;
}

export const MeContext = createContext<MeValue | null>(null);

export function useMe(): MeValue {
  const value = useContext(MeContext);
  if (!value) throw new Error('useMe() outside <SignInGate>: the app frame must be inside it');
  return value;
}
