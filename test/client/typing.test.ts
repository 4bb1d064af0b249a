import { describe, expect, it } from 'vitest';
import { TheirTyping, THEIR_TYPING_MAX_MS, TYPING_IDLE_MS, TypingSignal } from '../../client/src/index.js';
import { FakeClock } from './fakes.js';

describe('TypingSignal', () => {
  function signal(canEmit = () => true) {
    const clock = new FakeClock();
    const sent: boolean[] = [];
    return { clock, sent, typing: new TypingSignal(clock, (on) => sent.push(on), canEmit) };
  }

  it('sends start on the first keystroke and stop after 3 s without one', () => {
    const { clock, sent, typing } = signal();
    typing.input('H');
    typing.input('He');
    expect(sent).toEqual([true]);
    clock.advance(TYPING_IDLE_MS - 1);
    typing.input('Hel');
    clock.advance(TYPING_IDLE_MS - 1);
    expect(sent).toEqual([true]);
    clock.advance(1);
    expect(sent).toEqual([true, false]);
    typing.input('Hell');
    expect(sent).toEqual([true, false, true]);
  });

  it('stops when the box is emptied or on send, once', () => {
    const { clock, sent, typing } = signal();
    typing.input('Hi');
    typing.input('   ');
    expect(sent).toEqual([true, false]);
    typing.input('Hi');
    typing.stop();
    typing.stop();
    clock.advance(TYPING_IDLE_MS * 2);
    expect(sent).toEqual([true, false, true, false]);
  });

  it('says nothing while it cannot be heard', () => {
    let online = false;
    const { sent, typing } = signal(() => online);
    typing.input('Hi');
    expect(sent).toEqual([]);
    online = true;
    typing.input('Hi there');
    expect(sent).toEqual([true]);
  });
});

describe('TheirTyping', () => {
  it('hides their indicator after 10 s without a stop, and each start puts that off', () => {
    const clock = new FakeClock();
    let changes = 0;
    const their = new TheirTyping(clock, () => changes++);
    their.set('admin');
    expect(their.who).toBe('admin');
    clock.advance(THEIR_TYPING_MAX_MS - 1);
    their.set('admin');
    clock.advance(THEIR_TYPING_MAX_MS - 1);
    expect(their.who).toBe('admin');
    clock.advance(1);
    expect(their.who).toBeNull();
    expect(changes).toBe(2);
  });
});
