import { describe, expect, it } from 'vitest';
import { isTemplateReference } from './rule-secrets.js';

describe('isTemplateReference', () => {
  it.each(['{{ pack.config.token }}', '{{event.payload.key}}', ' {{ event.payload.items[0].token }} '])('takes %j for a reference', (value) => {
    expect(isTemplateReference(value)).toBe(true);
  });

  it.each(['s3cr3t', 'Bearer {{ pack.config.token }}', '{{ "s3cr3t" }}', '{{ pack.config.a + "x" }}', '{{ a }}{{ b }}', 42, { a: '{{ x }}' }])(
    'takes %j for a value that may hold a secret',
    (value) => {
      expect(isTemplateReference(value)).toBe(false);
    },
  );
});
