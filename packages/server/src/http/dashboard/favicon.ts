/**
 * The server's icon as a Windows icon file (16×16, 32-bit): browsers ask every origin for
 * `/favicon.ico`, the public status pages included, and a 404 there is an error in their console.
 * Drawn here, in code, so no binary lives in the repository: a round badge in the dashboard's blue
 * with a white tick.
 */
export function faviconIco(): Buffer {
  const size = 16;
  const header = Buffer.alloc(6 + 16 + 40);
  header.writeUInt16LE(0, 0); // reserved
  header.writeUInt16LE(1, 2); // type: icon
  header.writeUInt16LE(1, 4); // one image
  const pixels = Buffer.alloc(size * size * 4);
  const mask = Buffer.alloc(size * 4); // AND mask: all zero, the alpha channel decides
  const imageBytes = 40 + pixels.length + mask.length;
  header.writeUInt8(size, 6);
  header.writeUInt8(size, 7);
  header.writeUInt16LE(1, 10); // colour planes
  header.writeUInt16LE(32, 12); // bits per pixel
  header.writeUInt32LE(imageBytes, 14);
  header.writeUInt32LE(22, 18); // where the image starts
  header.writeUInt32LE(40, 22); // BITMAPINFOHEADER
  header.writeInt32LE(size, 26);
  header.writeInt32LE(size * 2, 30); // colour rows + mask rows
  header.writeUInt16LE(1, 34);
  header.writeUInt16LE(32, 36);
  const tick = (x: number, y: number) =>
    (y >= 8 - 0.9 + (x - 4) && y <= 8 + 0.9 + (x - 4) && x >= 4 && x <= 7) ||
    (y >= 11 - 0.9 - (x - 7) && y <= 11 + 0.9 - (x - 7) && x >= 7 && x <= 12);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const inside = (x - 7.5) ** 2 + (y - 7.5) ** 2 <= 7.6 ** 2;
      // Rows are stored bottom-up, each pixel as blue, green, red, alpha.
      const at = ((size - 1 - y) * size + x) * 4;
      if (!inside) continue;
      const white = tick(x, y);
      pixels[at] = white ? 0xff : 0xd8;
      pixels[at + 1] = white ? 0xff : 0x4e;
      pixels[at + 2] = white ? 0xff : 0x1d;
      pixels[at + 3] = 0xff;
    }
  }
  return Buffer.concat([header, pixels, mask]);
}
