import { describe, expect, it } from 'vitest';
import { commissionOf, marginOf, profitOf, tickValueOf } from '../../../src/sim/broker/margin.js';
import { Market } from '../../../src/sim/broker/market.js';
import { SimSymbol } from '../../../src/sim/broker/symbol.js';
import { toUnits } from '../../../src/sim/broker/volume.js';
import { DEMO_INSTRUMENTS, fxSymbol, goldSymbol, indexSymbol } from '../../../src/sim/world.js';

function setup() {
  const market = new Market(DEMO_INSTRUMENTS);
  const make = (spec: ConstructorParameters<typeof SimSymbol>[0]) => {
    const s = new SimSymbol(spec);
    market.register(s);
    s.requote(market.mid(spec.instrument), 0);
    return s;
  };
  return {
    market,
    eurusd: make(fxSymbol('EURUSD', 'EURUSD', { spreadPoints: 0 })),
    usdjpy: make(fxSymbol('USDJPY', 'USDJPY', { spreadPoints: 0 })),
    gold: make(goldSymbol('XAUUSD', { spreadPoints: 0 })),
    us30: make(indexSymbol('US30', 'US30', { spreadPoints: 0 })),
    de40: make(indexSymbol('DE40', 'DE40', { spreadPoints: 0 })),
  };
}

describe('margin by MetaTrader formulas', () => {
  it('forex: lots × contract / leverage in the base currency, converted', () => {
    const { market, eurusd, usdjpy } = setup();
    // 1 lot EURUSD at 1:100 = 1000 EUR = 1085 USD.
    expect(marginOf(eurusd, true, toUnits(1), 100, 'USD', market)).toBeCloseTo(1085, 6);
    expect(marginOf(eurusd, true, toUnits(1), 100, 'EUR', market)).toBeCloseTo(1000, 6);
    // USDJPY margin currency is USD: 0.5 lot at 1:500 = 100 USD.
    expect(marginOf(usdjpy, false, toUnits(0.5), 500, 'USD', market)).toBeCloseTo(100, 6);
  });

  it('CFD: lots × contract × price / leverage, converted', () => {
    const { market, us30, de40, gold } = setup();
    expect(marginOf(us30, true, toUnits(1), 100, 'USD', market)).toBeCloseTo(390, 6);
    // DE40 margin in EUR: 2 × 18000 / 100 = 360 EUR → USD at 1.085.
    expect(marginOf(de40, true, toUnits(2), 100, 'USD', market)).toBeCloseTo(360 * 1.085, 6);
    // Gold margin in XAU (Forex mode): 1 lot = 100 oz / 100 = 1 oz = 2350 USD.
    expect(marginOf(gold, true, toUnits(1), 100, 'USD', market)).toBeCloseTo(2350, 6);
  });

  it('profit, tick value and commission convert to the account currency', () => {
    const { market, eurusd, usdjpy } = setup();
    expect(profitOf(eurusd, true, toUnits(1), 1.085, 1.086, 'USD', market)).toBeCloseTo(100, 6);
    expect(profitOf(eurusd, false, toUnits(1), 1.085, 1.086, 'USD', market)).toBeCloseTo(-100, 6);
    // 1 lot USDJPY, +0.1 yen = 10000 JPY = 10000 / 151.2 USD.
    expect(profitOf(usdjpy, true, toUnits(1), 151.2, 151.3, 'USD', market)).toBeCloseTo(10000 / 151.2, 4);
    expect(tickValueOf(eurusd, 'USD', market)).toBeCloseTo(1, 9);
    expect(tickValueOf(eurusd, 'EUR', market)).toBeCloseTo(1 / 1.085, 9);
    const raw = new SimSymbol(fxSymbol('EURUSD.raw', 'EURUSD', { commissionPerLot: 3.5, commissionCurrency: 'EUR' }));
    expect(commissionOf(raw, toUnits(2), 'EUR', market)).toBeCloseTo(-7, 9);
  });
});
