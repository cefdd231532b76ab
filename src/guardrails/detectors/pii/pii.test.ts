import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DetectorConfigError } from '../config-error.js';
import { createPiiDetector, PII_ENTITY_TYPES } from './index.js';
import { abaValid, digitsOf, ibanValid, luhnValid, nhsValid, vinValid } from './checksums.js';

const pii = createPiiDetector();

/** The [type, matched text] pairs found in `text`. */
function found(text: string, det = pii): [string, string][] {
  return det.scan(text, 'INPUT').map((f) => [f.type, text.slice(f.start, f.end)]);
}

function assertFinds(text: string, type: string, value: string): void {
  assert.ok(
    found(text).some(([t, v]) => t === type && v === value),
    `expected ${type} '${value}' in ${JSON.stringify(text)}, got ${JSON.stringify(found(text))}`,
  );
}

function assertNoType(text: string, type: string): void {
  const hits = found(text).filter(([t]) => t === type);
  assert.deepEqual(hits, [], `expected no ${type} in ${JSON.stringify(text)}`);
}

describe('PII_ENTITY_TYPES', () => {
  it('lists the 31 Bedrock entity types', () => {
    assert.equal(PII_ENTITY_TYPES.length, 31);
    assert.equal(new Set(PII_ENTITY_TYPES).size, 31);
    assert.ok(PII_ENTITY_TYPES.includes('US_SOCIAL_SECURITY_NUMBER'));
  });
});

describe('checksums', () => {
  it('Luhn', () => {
    assert.ok(luhnValid(digitsOf('4111 1111 1111 1111')));
    assert.ok(!luhnValid(digitsOf('4111 1111 1111 1112')));
  });
  it('IBAN mod-97 and country length', () => {
    assert.ok(ibanValid('GB82WEST12345698765432'));
    assert.ok(ibanValid('DE89370400440532013000'));
    assert.ok(!ibanValid('GB82WEST12345698765433'));
    assert.ok(!ibanValid('GB82WEST1234569876543')); // one short for GB
  });
  it('ABA routing', () => {
    assert.ok(abaValid(digitsOf('021000021')));
    assert.ok(!abaValid(digitsOf('021000022')));
    assert.ok(!abaValid(digitsOf('991000024'))); // no such Federal Reserve prefix
  });
  it('NHS mod-11', () => {
    assert.ok(nhsValid(digitsOf('9434765919')));
    assert.ok(!nhsValid(digitsOf('9434765918')));
  });
  it('VIN check digit', () => {
    assert.ok(vinValid('1HGCM82633A004352'));
    assert.ok(!vinValid('1HGCM82643A004352'));
  });
});

describe('createPiiDetector: numbers with checksums', () => {
  it('CREDIT_DEBIT_CARD_NUMBER: Luhn, IIN and separators', () => {
    assertFinds('card 4111111111111111 please', 'CREDIT_DEBIT_CARD_NUMBER', '4111111111111111');
    assertFinds('Visa 4111 1111 1111 1111.', 'CREDIT_DEBIT_CARD_NUMBER', '4111 1111 1111 1111');
    assertFinds('amex 3782-822463-10005', 'CREDIT_DEBIT_CARD_NUMBER', '3782-822463-10005');
    assertNoType('card 4111111111111112', 'CREDIT_DEBIT_CARD_NUMBER'); // Luhn fails
    assertNoType('order 9111111111111111', 'CREDIT_DEBIT_CARD_NUMBER'); // no issuer starts with 9
    assertNoType('4111 1111-1111 1111', 'CREDIT_DEBIT_CARD_NUMBER'); // mixed separators
  });
  it('US_SOCIAL_SECURITY_NUMBER: area, group and serial rules', () => {
    assertFinds("Here's my SSN: 123-45-6789", 'US_SOCIAL_SECURITY_NUMBER', '123-45-6789');
    assertFinds('ssn 123456789', 'US_SOCIAL_SECURITY_NUMBER', '123456789');
    for (const bad of ['000-12-3456', '666-12-3456', '123-00-4567', '123-45-0000', '987-65-4321']) {
      assertNoType(`SSN ${bad}`, 'US_SOCIAL_SECURITY_NUMBER');
    }
    assertNoType('order 123456789 shipped', 'US_SOCIAL_SECURITY_NUMBER'); // undelimited needs context
  });
  it('US_INDIVIDUAL_TAX_IDENTIFICATION_NUMBER: 9xx with an ITIN group', () => {
    assertFinds('my ITIN is 912-70-1234', 'US_INDIVIDUAL_TAX_IDENTIFICATION_NUMBER', '912-70-1234');
    assertNoType('my ITIN is 912-40-1234', 'US_INDIVIDUAL_TAX_IDENTIFICATION_NUMBER');
  });
  it('CA_SOCIAL_INSURANCE_NUMBER: Luhn and context', () => {
    assertFinds('My SIN is 130 692 544', 'CA_SOCIAL_INSURANCE_NUMBER', '130 692 544');
    assertNoType('My SIN is 130 692 545', 'CA_SOCIAL_INSURANCE_NUMBER');
    assertNoType('tracking 130 692 544', 'CA_SOCIAL_INSURANCE_NUMBER');
  });
  it('UK_NATIONAL_HEALTH_SERVICE_NUMBER: mod-11 and context', () => {
    assertFinds('NHS number 943 476 5919', 'UK_NATIONAL_HEALTH_SERVICE_NUMBER', '943 476 5919');
    assertNoType('NHS number 943 476 5918', 'UK_NATIONAL_HEALTH_SERVICE_NUMBER');
  });
  it('US_BANK_ROUTING_NUMBER: ABA checksum and context', () => {
    assertFinds('routing number 021000021', 'US_BANK_ROUTING_NUMBER', '021000021');
    assertNoType('routing number 021000022', 'US_BANK_ROUTING_NUMBER');
  });
  it('INTERNATIONAL_BANK_ACCOUNT_NUMBER: mod-97, grouped or compact, any case', () => {
    assertFinds('IBAN GB82 WEST 1234 5698 7654 32 to', 'INTERNATIONAL_BANK_ACCOUNT_NUMBER', 'GB82 WEST 1234 5698 7654 32');
    assertFinds('from de89370400440532013000.', 'INTERNATIONAL_BANK_ACCOUNT_NUMBER', 'de89370400440532013000');
    assertNoType('IBAN GB82WEST12345698765433', 'INTERNATIONAL_BANK_ACCOUNT_NUMBER');
  });
  it('VEHICLE_IDENTIFICATION_NUMBER: check digit', () => {
    assertFinds('VIN 1HGCM82633A004352', 'VEHICLE_IDENTIFICATION_NUMBER', '1HGCM82633A004352');
    assertNoType('VIN 1HGCM82643A004352', 'VEHICLE_IDENTIFICATION_NUMBER');
  });
});

describe('createPiiDetector: formats', () => {
  it('EMAIL', () => {
    assertFinds('write to jane.doe+x@mail.example.co.uk.', 'EMAIL', 'jane.doe+x@mail.example.co.uk');
    assertNoType('ping @jane or root@localhost', 'EMAIL');
  });
  it('URL: scheme, www and bare domains', () => {
    assertFinds('see https://example.com/a?b=1.', 'URL', 'https://example.com/a?b=1');
    assertFinds('visit www.example.org today', 'URL', 'www.example.org');
    assertFinds('go to shop.example.io/cart now', 'URL', 'shop.example.io/cart');
    assertNoType('edit main.py and utils.ts, e.g. this', 'URL');
  });
  it('IP_ADDRESS v4 and v6', () => {
    assertFinds('from 192.168.1.20.', 'IP_ADDRESS', '192.168.1.20');
    assertFinds('addr 2001:db8::8a2e:370:7334 ok', 'IP_ADDRESS', '2001:db8::8a2e:370:7334');
    assertFinds('addr 6e40:4041:c617:e898:c11:40d2:c669:2eb4 blocked', 'IP_ADDRESS', '6e40:4041:c617:e898:c11:40d2:c669:2eb4');
    assertNoType('octet 256.1.1.1 and 10.0.0', 'IP_ADDRESS');
    assertNoType('at 12:30:45 on version v1.2.3.4', 'IP_ADDRESS');
  });
  it('MAC_ADDRESS', () => {
    assertFinds('mac 00:1A:2B:3C:4D:5E up', 'MAC_ADDRESS', '00:1A:2B:3C:4D:5E');
    assertFinds('cisco 0123.4567.89ab', 'MAC_ADDRESS', '0123.4567.89ab');
    assertNoType('mac 00:1A:2B:3C:4D', 'MAC_ADDRESS');
  });
  it('PHONE: E.164, US, UK and international', () => {
    assertFinds('call +14155550132', 'PHONE', '+14155550132');
    assertFinds('office (415) 555-0132', 'PHONE', '(415) 555-0132');
    assertFinds('ring 020 7946 0958 later', 'PHONE', '020 7946 0958');
    assertFinds('fax +46 (0)8 928 571 38', 'PHONE', '+46 (0)8 928 571 38');
    assertFinds('Phone: 451 5986', 'PHONE', '451 5986');
    assertNoType('released 2024-01-15 in build 1.2.3', 'PHONE');
    assertNoType('we sold 1 000 units', 'PHONE');
    assertNoType('my lucky numbers are 4 8 15 16 23 42', 'PHONE');
    assertFinds('dial 0044 20 7946 0958', 'PHONE', '0044 20 7946 0958');
  });
  it('SWIFT_CODE: country part valid, context or digits', () => {
    assertFinds('SWIFT code DEUTDEFF', 'SWIFT_CODE', 'DEUTDEFF');
    assertFinds('send to BOFAUS3N', 'SWIFT_CODE', 'BOFAUS3N');
    assertNoType('THIS IS BUSINESS', 'SWIFT_CODE');
    assertNoType('bank code DEUTQQFF', 'SWIFT_CODE'); // QQ is no country
  });
  it('UK_NATIONAL_INSURANCE_NUMBER', () => {
    assertFinds('NI number AB 12 34 56 C', 'UK_NATIONAL_INSURANCE_NUMBER', 'AB 12 34 56 C');
    assertNoType('ref BG123456C', 'UK_NATIONAL_INSURANCE_NUMBER');
    assertNoType('ref AB123456E', 'UK_NATIONAL_INSURANCE_NUMBER');
  });
  it('AWS_ACCESS_KEY and AWS_SECRET_KEY', () => {
    const t = 'aws_access_key_id=AKIAIOSFODNN7EXAMPLE aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
    assertFinds(t, 'AWS_ACCESS_KEY', 'AKIAIOSFODNN7EXAMPLE');
    assertFinds(t, 'AWS_SECRET_KEY', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY');
    assertNoType('hash 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b', 'AWS_SECRET_KEY');
  });
});

describe('createPiiDetector: context-based types', () => {
  it('PASSWORD', () => {
    assertFinds('my password is Tr0ub4dor&3 ok', 'PASSWORD', 'Tr0ub4dor&3');
    assertFinds('password: hunter22', 'PASSWORD', 'hunter22');
    assertNoType('the password reset link expired', 'PASSWORD');
    assertFinds('login with password P@ssw0rd!23; thanks', 'PASSWORD', 'P@ssw0rd!23');
    assertNoType('a vehicle which does not pass emission standards', 'PASSWORD');
    assertNoType('change your password http://t.co/abc', 'PASSWORD');
  });
  it('USERNAME', () => {
    assertFinds('username: jdoe42', 'USERNAME', 'jdoe42');
    assertNoType('the user interface is slow', 'USERNAME');
    assertFinds('log in with username admin_42 now', 'USERNAME', 'admin_42');
    assertNoType('User: Vilma Holm', 'USERNAME'); // a chat speaker label, not a username
    assertNoType('what the user wants', 'USERNAME');
  });
  it('PIN, CVV and card expiry', () => {
    assertFinds('my PIN is 4821', 'PIN', '4821');
    assertNoType('pin the tab 4821', 'PIN');
    assertFinds('CVV: 123', 'CREDIT_DEBIT_CARD_CVV', '123');
    assertFinds('security code 4567', 'CREDIT_DEBIT_CARD_CVV', '4567');
    assertFinds('card expires 09/27', 'CREDIT_DEBIT_CARD_EXPIRY', '09/27');
    assertFinds('exp. date 12/2027', 'CREDIT_DEBIT_CARD_EXPIRY', '12/2027');
    assertNoType('we scored 09/27 on the quiz', 'CREDIT_DEBIT_CARD_EXPIRY');
    assertNoType('card expires 13/27', 'CREDIT_DEBIT_CARD_EXPIRY');
  });
  it('US_PASSPORT_NUMBER, DRIVER_ID, LICENSE_PLATE', () => {
    assertFinds('passport number 123456789', 'US_PASSPORT_NUMBER', '123456789');
    assertFinds('passport no. A12345678', 'US_PASSPORT_NUMBER', 'A12345678');
    assertNoType('passport photo 12345678', 'US_PASSPORT_NUMBER');
    assertFinds("my driver's license number is D1234567", 'DRIVER_ID', 'D1234567');
    assertFinds("my driver's license number is 2270-66-1551", 'DRIVER_ID', '2270-66-1551');
    assertNoType("my driver's license expired", 'DRIVER_ID');
    assertFinds('license plate 7ABC123', 'LICENSE_PLATE', '7ABC123');
    assertFinds('parked car AB12 CDE outside', 'LICENSE_PLATE', 'AB12 CDE');
  });
  it('US_BANK_ACCOUNT_NUMBER and UK_UNIQUE_TAXPAYER_REFERENCE_NUMBER', () => {
    assertFinds('account number 12345678901', 'US_BANK_ACCOUNT_NUMBER', '12345678901');
    assertNoType('order 12345678901', 'US_BANK_ACCOUNT_NUMBER');
    assertFinds('acct 000123456789.', 'US_BANK_ACCOUNT_NUMBER', '000123456789'); // not a "00" dialling prefix
    assertFinds('my UTR is 12345 67890', 'UK_UNIQUE_TAXPAYER_REFERENCE_NUMBER', '12345 67890');
    assertNoType('invoice 1234567890', 'UK_UNIQUE_TAXPAYER_REFERENCE_NUMBER');
  });
  it('CA_HEALTH_NUMBER', () => {
    assertFinds('Ontario health card 1234-567-890-AB', 'CA_HEALTH_NUMBER', '1234-567-890-AB');
    assertNoType('ticket 1234-567-890', 'CA_HEALTH_NUMBER');
  });
  it('AGE', () => {
    assertFinds('This 79 year old female', 'AGE', '79');
    assertFinds('Patient is a 38-year-old male', 'AGE', '38');
    assertFinds("and i'm 64 y/o.", 'AGE', '64');
    assertFinds('retired at the age of 71', 'AGE', '71');
    assertFinds('Age: 42', 'AGE', '42');
    assertNoType('that was 42 years ago, see page 42', 'AGE');
  });
  it('ADDRESS: street lines, units, ZIP', () => {
    assertFinds('ship to 123 Main Street, Apt 4B today', 'ADDRESS', '123 Main Street, Apt 4B');
    assertFinds('My zip code is 2371', 'ADDRESS', '2371');
    assertFinds('Springfield, IL 62704', 'ADDRESS', 'IL 62704');
    assertFinds('The bus station is on Villacher Strasse 89', 'ADDRESS', 'Villacher Strasse 89');
    assertNoType('In 2020 we grew 30 percent', 'ADDRESS');
  });
  it('ADDRESS: a street line right after another match still counts its cue', () => {
    // The cue ("Suite 913") may end a match already made ("code: 987654 Suite 913").
    assertFinds('pin code: 987654 Suite 913 0547 Bygget 91', 'ADDRESS', '0547 Bygget 91');
  });
});

describe('createPiiDetector: anchored scanning', () => {
  // Each pattern runs only where it can start (at digit runs, keywords, separators): these pin the
  // edges of those anchors.
  it('finds identifiers that start before their first digit run', () => {
    assertFinds('NI number AB 12 34 56 C thanks', 'UK_NATIONAL_INSURANCE_NUMBER', 'AB 12 34 56 C');
    assertFinds('plate AB12 CDE', 'LICENSE_PLATE', 'AB12 CDE');
    assertFinds('IBAN: gb82 west 1234 5698 7654 32', 'INTERNATIONAL_BANK_ACCOUNT_NUMBER', 'gb82 west 1234 5698 7654 32');
    assertFinds('call +14155550132 now', 'PHONE', '+14155550132');
    assertFinds('call (020) 7946 0958 now', 'PHONE', '(020) 7946 0958');
    assertFinds('ship to Austin, TX 78701', 'ADDRESS', 'TX 78701');
    assertFinds('health card ABCD 1234 5678', 'CA_HEALTH_NUMBER', 'ABCD 1234 5678');
  });
  it('SWIFT: a digit in the location part, or a banking word before it', () => {
    assertFinds('send to DEUTDEFF500 today', 'SWIFT_CODE', 'DEUTDEFF500');
    assertFinds('our BIC) DEUTDEFF', 'SWIFT_CODE', 'DEUTDEFF');
    assertNoType('WE ARE DEUTDEFF PEOPLE', 'SWIFT_CODE');
  });
  it('VIN: a whole 17-character token only', () => {
    assertFinds('vin:1HGCM82633A004352.', 'VEHICLE_IDENTIFICATION_NUMBER', '1HGCM82633A004352');
    assertNoType('vin X1HGCM82633A004352', 'VEHICLE_IDENTIFICATION_NUMBER');
    assertNoType('vin 1HGCM82633A0043521', 'VEHICLE_IDENTIFICATION_NUMBER');
  });
  it('MAC and IPv6 need their separators; a URL scheme is not one', () => {
    assertFinds('iface 00-1A-2B-3C-4D-5E up', 'MAC_ADDRESS', '00-1A-2B-3C-4D-5E');
    assertFinds('host fe80::1ff:fe23:4567:890a up', 'IP_ADDRESS', 'fe80::1ff:fe23:4567:890a');
    assertNoType('see https://example.com/a:b 12', 'IP_ADDRESS');
  });
  it('AGE before the number needs its keyword; after it, "years" or "y/o"', () => {
    assertFinds('AGED 37, fine', 'AGE', '37');
    assertFinds('he turns 40 soon', 'AGE', '40');
    assertFinds('a 7 - year-old', 'AGE', '7');
    assertNoType('a 7 - day trip, page 42', 'AGE');
  });
  it('AWS key ids after their prefix, in any text', () => {
    assertFinds('id AKIAIOSFODNN7EXAMPLE', 'AWS_ACCESS_KEY', 'AKIAIOSFODNN7EXAMPLE');
  });
  it('URL: www. in any case', () => {
    assertFinds('go to WWW.Example.org now', 'URL', 'WWW.Example.org');
  });
});

describe('createPiiDetector: options', () => {
  it('limits detection to the configured types', () => {
    const d = createPiiDetector({ types: ['EMAIL'] });
    assert.deepEqual(found('a@example.com 123-45-6789', d), [['EMAIL', 'a@example.com']]);
  });
  it('refuses unknown types with the field path', () => {
    assert.throws(() => createPiiDetector({ types: ['EMAIL', 'SSN'] }), (e: unknown) => e instanceof DetectorConfigError && e.path === 'types[1]');
  });
  it('runs custom regexes in re2js and reports them under detector `regex`', () => {
    const d = createPiiDetector({ types: [], regexes: [{ name: 'ticket', pattern: 'TICKET-[0-9]{4}' }] });
    const f = d.scan('see TICKET-1234 and TICKET-99', 'INPUT');
    assert.deepEqual(f, [{ detector: 'regex', type: 'ticket', start: 4, end: 15, confidence: 'HIGH' }]);
  });
  it('refuses invalid and non-linear patterns at creation, naming the field', () => {
    for (const pattern of ['(a', '(?=a)b', '(a)\\1']) {
      assert.throws(
        () => createPiiDetector({ regexes: [{ name: 'ok', pattern: 'a' }, { name: 'bad', pattern }] }),
        (e: unknown) => e instanceof DetectorConfigError && e.path === 'regexes[1].pattern',
      );
    }
    assert.throws(() => createPiiDetector({ regexes: [{ name: '', pattern: 'a' }] }), DetectorConfigError);
  });
  it('a pathological pattern stays linear', () => {
    const d = createPiiDetector({ types: [], regexes: [{ name: 'evil', pattern: '(a+)+$' }] });
    const f = d.scan('a'.repeat(5000) + '!', 'INPUT');
    assert.equal(f.length, 0);
  });
  it('takes NAME and ADDRESS from the tagger, with confidence from its score', () => {
    const d = createPiiDetector({
      tagger: (t) => [{ type: 'NAME', start: t.indexOf('Jane'), end: t.indexOf('Jane') + 8, score: 0.9 }, { type: 'BOGUS', start: 0, end: 1, score: 1 }],
    });
    const f = d.scan('Hello Jane Doe, bye', 'INPUT');
    assert.deepEqual(f, [{ detector: 'pii', type: 'NAME', start: 6, end: 14, confidence: 'HIGH', score: 0.9 }]);
  });
  it('lets tagger errors propagate (the engine fails closed)', () => {
    const d = createPiiDetector({ tagger: () => { throw new Error('model missing'); } });
    assert.throws(() => d.scan('text', 'INPUT'), /model missing/);
  });
  it('keeps the stronger of overlapping findings', () => {
    // A Luhn-valid card number near "number" is also phone-shaped; only the card is reported.
    assert.deepEqual(found('card number 4111 1111 1111 1111'), [['CREDIT_DEBIT_CARD_NUMBER', '4111 1111 1111 1111']]);
  });
});
