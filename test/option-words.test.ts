/**
 * Library words vs CLI words: the library names an option by its key (`option "maxPixels"`) and lists the
 * keys in the error's `details.options`; the CLI says the same message with the flags the user typed.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { cliOptionName } from '../src/cli/backend-flags.js';
import { inFlagText, inFlagWords } from '../src/cli/output.js';
import { ConfigError, ModelError, UsageError } from '../src/core/errors.js';
import { optionDetails, optionName, parseOptions } from '../src/core/options.js';
import { makeOutputDir } from '../src/datasets/files.js';

describe('library errors', () => {
  it('name the options they are about in details.options, as parseOptions does for every bad or unknown option', () => {
    const schema = z.strictObject({ concurrency: z.number().int().positive(), name: z.string().optional() });
    const error = (() => {
      try {
        parseOptions(schema, { concurrency: 0, nmae: 'x' }, 'runBatch');
      } catch (e) {
        return e as UsageError;
      }
    })();
    expect(error).toBeInstanceOf(UsageError);
    expect(error?.details).toEqual({ options: ['concurrency', 'nmae'] });
  });

  it('say an option in library words, without any --flag', () => {
    expect(() => makeOutputDir('/proc/ocrdet-cannot/x', 'overlay')).toThrow(/^option "overlay" \/proc\/ocrdet-cannot\/x: cannot create the folder/);
  });
});

describe('the CLI says them with flags', () => {
  it('renames the options an error lists, with the backend\'s own flag where it has one', () => {
    const error = new ModelError(`no dictionary; give ${optionName('dictionary')} or tune ${optionName('intraOpThreads')}`, { details: optionDetails('dictionary', 'intraOpThreads') });
    const said = inFlagWords(error, cliOptionName) as ModelError;
    expect(said).toBeInstanceOf(ModelError);
    expect(said).toMatchObject({ message: 'no dictionary; give --dictionary or tune --threads', code: 'OCRDET_MODEL', details: { options: ['dictionary', 'intraOpThreads'] } });
  });

  it('leaves an option the error does not list, and errors that list none, as they are', () => {
    const error = new ConfigError(`check ${optionName('baseUrl')} and ${optionName('model')}`, { details: optionDetails('baseUrl') });
    expect((inFlagWords(error, cliOptionName) as Error).message).toBe('check --base-url and option "model"');
    const plain = new ConfigError('option "model" is here but not in details');
    expect(inFlagWords(plain)).toBe(plain);
  });

  it('says options as flags in diagnostic lines (warnings, problems), nested paths aside', () => {
    expect(inFlagText('no saved answers ("raw"); run detect with option "saveRaw" to keep them')).toBe('no saved answers ("raw"); run detect with --save-raw to keep them');
    expect(inFlagText('option "extraBody.top_p" must be a number')).toBe('option "extraBody.top_p" must be a number');
  });
});
