// A transcode announces the output init an earlier transcode of the same
// source produced, at once, so the browser sets up its decoder while ffmpeg
// starts; ffmpeg's own init is announced again only when it differs (before
// any media), never silently swapped. Fake processes, real init segments.
import type { ChildProcess } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { LiveStream, describeInit } from '../../main/engine/live/live-stream.ts';
import { OutputInitMemory, Transcoder } from '../../main/engine/live/transcoder.ts';
import { FlvToFmp4 } from '../../main/engine/flv/to-fmp4.ts';
import type { InitInfo } from '../../main/engine/mp4/init.ts';
import { encodeH264Flv } from '../helpers/h264-flv.ts';
import { FakeProc, FakeViewer, initInfo, log } from './fakes.ts';

/** What a transcoding ffmpeg of the given size writes before its first frame (FLV), and the fMP4 init made of it. */
function h264Init(size: string): { flvHead: Buffer; init: Buffer; info: InitInfo } {
  const out = encodeH264Flv({ size, frames: 1 });
  // The FLV header (13 bytes) and the decoder configuration's tag (11 + size + 4).
  const flvHead = out.subarray(0, 13 + 11 + out.readUIntBE(13 + 1, 3) + 4);
  let got: { init: Buffer; info: InitInfo } | null = null;
  new FlvToFmp4({ onInit: (init, info) => (got = { init: Buffer.from(init), info }), onFragment: () => undefined }).push(flvHead);
  return { flvHead, ...got! };
}

describe('the remembered output init of a transcode', () => {
  let small: ReturnType<typeof h264Init>;
  let large: ReturnType<typeof h264Init>;
  beforeAll(() => {
    small = h264Init('320x180');
    large = h264Init('640x360');
  });

  function run(memory: OutputInitMemory) {
    const procs: FakeProc[] = [];
    const source = new LiveStream((info) => describeInit(info, 'main', false));
    const output = new LiveStream((info) => describeInit(info, 'main', true));
    const transcoder = new Transcoder(source, output, 'camera 1 main', {
      ffmpegPath: () => 'ffmpeg',
      log,
      outputInit: memory,
      spawn: () => {
        const p = new FakeProc();
        procs.push(p);
        return p as unknown as ChildProcess;
      },
    });
    const viewer = new FakeViewer();
    output.attach(viewer);
    transcoder.start();
    return { source, output, transcoder, viewer, procs };
  }

  const sourceInit = Buffer.from('the camera stream init');

  it('is announced before ffmpeg writes anything, and ffmpeg\'s identical init is not announced again', async () => {
    const memory = new OutputInitMemory();
    memory.set(sourceInit, small.init, small.info);
    const { source, viewer, procs, transcoder } = run(memory);
    source.publishInit(sourceInit, initInfo('hvc1', 320, 180));
    const inits = () => viewer.log.filter((l) => l.startsWith('init:'));
    expect(inits()).toEqual([`init:${small.init.toString()}`]);
    procs[0].stdout.write(small.flvHead);
    await new Promise((r) => setImmediate(r));
    expect(inits()).toHaveLength(1);
    transcoder.stop();
  });

  it('gives way to ffmpeg\'s own init, announced as a new run, when that differs', async () => {
    const memory = new OutputInitMemory();
    memory.set(sourceInit, small.init, small.info);
    const { source, viewer, procs, transcoder } = run(memory);
    source.publishInit(sourceInit, initInfo('hvc1', 640, 360));
    procs[0].stdout.write(large.flvHead);
    await new Promise((r) => setImmediate(r));
    expect(viewer.log.filter((l) => l.startsWith('init:'))).toEqual([`init:${small.init.toString()}`, `init:${large.init.toString()}`]);
    expect(memory.get(sourceInit)?.init.equals(large.init)).toBe(true); // remembered for the next time
    transcoder.stop();
  });

  it('is used only for the very source init it was made from', () => {
    const memory = new OutputInitMemory();
    memory.set(sourceInit, small.init, small.info);
    expect(memory.get(Buffer.from('another run of the camera, other size'))).toBeNull();
    const { source, viewer, transcoder } = run(memory);
    source.publishInit(Buffer.from('another run'), initInfo('hvc1', 320, 180));
    expect(viewer.log.filter((l) => l.startsWith('init:'))).toEqual([]); // nothing until ffmpeg's own init
    transcoder.stop();
  });

  it('remembers each of a few sources (a maximised view transcodes the recorded stream, then the express connection)', async () => {
    const memory = new OutputInitMemory();
    const recorded = Buffer.from('the recorded stream init');
    const express = Buffer.from('the express connection init');
    // One open: the recorded stream's run, then the express connection's.
    const first = run(memory);
    first.source.publishInit(recorded, initInfo('hvc1', 320, 180));
    first.procs[0].stdout.write(small.flvHead);
    first.source.publishInit(express, initInfo('hvc1', 640, 360));
    first.procs[1].stdout.write(large.flvHead);
    await new Promise((r) => setImmediate(r));
    first.transcoder.stop();
    // The next open starts from the recorded stream again: its init is still known.
    const next = run(memory);
    next.source.publishInit(recorded, initInfo('hvc1', 320, 180));
    expect(next.viewer.log.filter((l) => l.startsWith('init:'))).toEqual([`init:${small.init.toString()}`]);
    next.transcoder.stop();
    // A bounded few: the oldest goes first.
    for (let i = 0; i < 4; i++) memory.set(Buffer.from(`run ${i}`), large.init, large.info);
    expect(memory.get(recorded)).toBeNull();
    expect(memory.get(Buffer.from('run 0'))?.init.equals(large.init)).toBe(true);
  });
});
