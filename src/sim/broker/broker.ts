import type { Platform } from '../types.js';
import type { BrokerSpec } from './spec.js';
import { SimSymbol } from './symbol.js';

/** A broker's trade server: its symbols and its ticket sequences (tickets are unique per server). */
export class SimBroker {
  readonly spec: BrokerSpec;
  readonly name: string;
  readonly server: string;
  readonly company: string;
  readonly platform: Platform;
  readonly utcOffsetSeconds: number;
  readonly symbols = new Map<string, SimSymbol>();
  #nextTicket: number;
  #nextDeal: number;

  constructor(spec: BrokerSpec, firstTicket: number) {
    this.spec = spec;
    this.name = spec.name;
    this.server = spec.server;
    this.company = spec.company ?? spec.name;
    this.platform = spec.platform ?? 'mt5';
    this.utcOffsetSeconds = spec.utcOffsetSeconds ?? 0;
    for (const s of spec.symbols) this.symbols.set(s.name, new SimSymbol(s));
    this.#nextTicket = firstTicket;
    this.#nextDeal = Math.floor(firstTicket / 2) + 1;
  }

  nextTicket(): number {
    return this.#nextTicket++;
  }

  nextDeal(): number {
    return this.#nextDeal++;
  }

  brokerMs(utcMs: number): number {
    return utcMs + this.utcOffsetSeconds * 1000;
  }
}
