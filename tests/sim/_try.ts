import { startSimCameras } from './cameras.ts';
import { fileSignature, decodeTimestamps, sampleColors } from './signature.ts';
import { spawnSync } from 'node:child_process';
const set = await startSimCameras([{ width: 1920, height: 1080, fps: 25, color: 6, sub: true }, { width: 1280, height: 720, color: 21, codec: 'h265' }]);
for (const [i, url] of [set.cameras[0]!.mainUrl, set.cameras[0]!.subUrl!, set.cameras[1]!.mainUrl].entries()) {
  const r = spawnSync('ffmpeg', ['-v','error','-y','-rtsp_transport','tcp','-timeout','5000000','-i',url,'-c','copy','-t','3',`/tmp/hd${i}.mp4`]);
  const end = Date.now();
  const ts = await decodeTimestamps(`/tmp/hd${i}.mp4`);
  const ok = ts.filter(t => t.epochMs !== null);
  console.log(url, r.status, await fileSignature(`/tmp/hd${i}.mp4`), (await sampleColors(`/tmp/hd${i}.mp4`))[0], 'frames', ts.length, 'decoded', ok.length, 'last frame age at ffmpeg exit ms', end - ok.at(-1)!.epochMs!);
}
await set.stopAll();
