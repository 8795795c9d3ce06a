/** The contract's LAN operations (preload/contract/lan.ts), merged into the engine's dispatcher by the transport that owns the LanService. */
import type { Handlers } from '../../engine/handlers.ts';
import type { LanService } from './lan-service.ts';

export function lanHandlers(lan: LanService): Pick<Handlers, 'getLan' | 'updateLan'> {
  return {
    getLan: () => lan.state(),
    updateLan: (input) => lan.update(input),
  };
}
