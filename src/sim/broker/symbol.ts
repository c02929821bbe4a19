import type { SymbolInfo, TradeMode } from '../types.js';
import type { SymbolSpec } from './spec.js';
import { isSessionOpen } from './sessions.js';
import { roundTo } from './time.js';
import { floorToStep, toUnits, volumeRules, type VolumeRules } from './volume.js';

/** A broker's symbol: its spec, exact volume rules and its live quote. */
export class SimSymbol {
  readonly spec: SymbolSpec;
  readonly name: string;
  readonly rules: VolumeRules;
  readonly point: number;
  readonly digits: number;
  /** Partial-fill threshold in units (Infinity = unlimited). */
  readonly liquidityUnits: number;
  bid = 0;
  ask = 0;
  quoteTimeMs = 0;
  spreadPoints: number;
  /** Quote offset from the instrument mid; moved by hand-set quotes so the feed continues from them. */
  offset: number;
  /** Closed by hand (fault switch), regardless of sessions. */
  forcedClosed = false;
  tradeMode: TradeMode;

  constructor(spec: SymbolSpec) {
    this.spec = spec;
    this.name = spec.name;
    this.rules = volumeRules(spec.volumeMin, spec.volumeMax, spec.volumeStep);
    this.digits = spec.digits;
    this.point = roundTo(10 ** -spec.digits, spec.digits);
    this.liquidityUnits =
      spec.liquidity === undefined ? Infinity : Math.max(this.rules.minUnits, floorToStep(toUnits(spec.liquidity), this.rules.stepUnits));
    this.spreadPoints = spec.spreadPoints;
    this.offset = spec.priceOffset ?? 0;
    this.tradeMode = spec.tradeMode ?? 'Full';
  }

  requote(mid: number, nowMs: number): void {
    const half = (this.spreadPoints * this.point) / 2;
    this.bid = roundTo(mid + this.offset - half, this.digits);
    this.ask = roundTo(this.bid + this.spreadPoints * this.point, this.digits);
    this.quoteTimeMs = nowMs;
  }

  /** Sets the quote by hand and re-anchors the offset so the feed walks on from here. */
  setQuote(bid: number, ask: number, mid: number, nowMs: number): void {
    this.bid = roundTo(bid, this.digits);
    this.ask = roundTo(Math.max(ask, bid), this.digits);
    this.spreadPoints = Math.round((this.ask - this.bid) / this.point);
    this.offset = this.bid + (this.spreadPoints * this.point) / 2 - mid;
    this.quoteTimeMs = nowMs;
  }

  isOpenAt(brokerMs: number, alwaysOpen: boolean): boolean {
    if (this.forcedClosed) return false;
    return alwaysOpen || isSessionOpen(this.spec.sessions ?? [], brokerMs);
  }

  round(price: number): number {
    return roundTo(price, this.digits);
  }

  /** The static part of SymbolInfo; callers add quotes and tick value. */
  info(tickValue: number): SymbolInfo {
    const s = this.spec;
    return {
      symbol: s.name,
      description: s.description ?? s.name,
      digits: s.digits,
      point: this.point,
      tickSize: this.point,
      tickValue,
      contractSize: s.contractSize,
      volumeMin: s.volumeMin,
      volumeMax: s.volumeMax,
      volumeStep: s.volumeStep,
      stopsLevel: s.stopsLevel ?? 0,
      freezeLevel: s.freezeLevel ?? 0,
      spread: this.spreadPoints,
      tradeMode: this.tradeMode,
      swapLong: s.swapLong ?? 0,
      swapShort: s.swapShort ?? 0,
      bid: this.bid,
      ask: this.ask,
      currencyBase: s.currencyBase,
      currencyProfit: s.currencyProfit,
      currencyMargin: s.currencyMargin,
      commissions: s.commissionPerLot
        ? [
            {
              currency: s.commissionCurrency ?? 'USD',
              rangeMode: 'COMM_RANGE_VOLUME',
              chargeMode: 'COMM_CHARGE_INSTANT',
              entryMode: 'COMM_ENTRY_ALL',
              directionMode: 'COMM_DIRECTION_ALL',
              profitMode: 'COMM_PROFIT_ALL',
              tiers: [
                {
                  mode: 'COMM_MONEY_DEPOSIT',
                  volumeType: 'COMM_TYPE_VOLUME_LOTS',
                  value: -s.commissionPerLot,
                  minValue: 0,
                  maxValue: 0,
                  rangeFrom: 0,
                  rangeTo: 0,
                  currency: s.commissionCurrency ?? 'USD',
                },
              ],
            },
          ]
        : [],
      sessions: s.sessions ?? [],
    };
  }
}
