/**
 * A YUV4MPEG2 (4:2:0) file for Chromium's fake camera (`--use-file-for-fake-video-capture`):
 * a grey picture (luma only, chroma neutral) centred on a white frame.
 *
 * @example
 *   writeFileSync('qr.y4m', y4mFromLuma(luma, 320, 320));
 */
export function y4mFromLuma(
  luma: ArrayLike<number>,
  width: number,
  height: number,
  frame = { width: 800, height: 600, frames: 2 },
): Buffer {
  const W = frame.width;
  const H = frame.height;
  // Integer scaling keeps every QR module the same size; the margin is the frame's white.
  const scale = Math.max(1, Math.floor(Math.min((W * 0.8) / width, (H * 0.8) / height)));
  const x0 = Math.floor((W - width * scale) / 2);
  const y0 = Math.floor((H - height * scale) / 2);
  const y = Buffer.alloc(W * H, 235);
  for (let j = 0; j < height * scale; j++) {
    for (let i = 0; i < width * scale; i++) {
      const v = luma[Math.floor(j / scale) * width + Math.floor(i / scale)] ?? 255;
      y[(y0 + j) * W + x0 + i] = Math.round(16 + (v * 219) / 255);
    }
  }
  const chroma = Buffer.alloc((W / 2) * (H / 2), 128);
  const header = Buffer.from(`YUV4MPEG2 W${W} H${H} F10:1 Ip A1:1 C420mpeg2\n`);
  const parts: Buffer[] = [header];
  for (let f = 0; f < frame.frames; f++) parts.push(Buffer.from('FRAME\n'), y, chroma, chroma);
  return Buffer.concat(parts);
}
