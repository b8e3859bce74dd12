// A minimal PNG encoder for the browser tests (8-bit RGBA, no filtering, zlib via node:zlib), and
// the deterministic test images they upload. Plain PNGs with no colour-profile chunks, so the
// browser decodes them to exactly these bytes.

import { deflateSync } from "node:zlib";

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const out = Buffer.alloc(body.length + 8);
  out.writeUInt32BE(data.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE(crc32(body), body.length + 4);
  return out;
}

/** A PNG file holding `rgba` (`width·height·4` bytes, row by row). */
export function encodePng(rgba, width, height) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 6, 0, 0, 0], 8); // 8 bits, RGBA, deflate, no filter method, no interlace
  const raw = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width * 4 + 1)] = 0; // filter type: none
    rgba.copy(raw, y * (width * 4 + 1) + 1, y * width * 4, (y + 1) * width * 4);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(raw)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

/**
 * An opaque test image: a colour ramp, a bright square and a dark diagonal stripe, so that every
 * filter has edges in both directions and colour to work on. Deterministic in `seed`.
 */
export function testImage(width, height, seed = 1) {
  const rgba = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      let r = (x * 255 / Math.max(1, width - 1)) | 0;
      let g = (y * 255 / Math.max(1, height - 1)) | 0;
      let b = ((x * 7 + y * 13 + seed * 31) % 256);
      if (x > width / 4 && x < width / 2 && y > height / 4 && y < (3 * height) / 4) [r, g, b] = [250, 240, 30];
      if (Math.abs(x - y - seed) < 2) [r, g, b] = [10, 20, 90];
      rgba.set([r, g, b, 255], i);
    }
  }
  return rgba;
}
