/**
 * The picture size of an H.264 stream, read from its sequence parameter set
 * (ITU-T H.264 §7.3.2.1.1). Pure; used where Keepwatch writes an MP4 init
 * for H.264 it did not get in an MP4 (the live transcode's output): the
 * sample entry must carry the size the decoder will produce.
 */

export class H264Error extends Error {
  override name = 'H264Error';
}

/** Profiles whose SPS carries chroma format, bit depths and scaling lists. */
const HIGH_PROFILES = new Set([100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135]);

/** The displayed picture size (after the SPS's cropping) of an SPS NAL unit (with its 1-byte header). */
export function spsPictureSize(nal: Buffer): { width: number; height: number } {
  if (nal.length < 4) throw new H264Error('the SPS is truncated');
  if ((nal[0] & 0x1f) !== 7) throw new H264Error('not a sequence parameter set');
  const r = new BitReader(unescape(nal.subarray(1)));
  const profile = r.bits(8);
  r.bits(16); // constraint flags, reserved bits, level_idc
  r.ue(); // seq_parameter_set_id
  let chromaFormat = 1;
  let separateColourPlanes = false;
  if (HIGH_PROFILES.has(profile)) {
    chromaFormat = r.ue();
    if (chromaFormat > 3) throw new H264Error(`chroma_format_idc ${chromaFormat} is invalid`);
    if (chromaFormat === 3) separateColourPlanes = r.bits(1) === 1;
    r.ue(); // bit_depth_luma_minus8
    r.ue(); // bit_depth_chroma_minus8
    r.bits(1); // qpprime_y_zero_transform_bypass_flag
    if (r.bits(1)) {
      // seq_scaling_matrix_present_flag: skip the lists (§7.3.2.1.1.1)
      const lists = chromaFormat === 3 ? 12 : 8;
      for (let i = 0; i < lists; i++) if (r.bits(1)) skipScalingList(r, i < 6 ? 16 : 64);
    }
  }
  r.ue(); // log2_max_frame_num_minus4
  const pocType = r.ue();
  if (pocType === 0) r.ue(); // log2_max_pic_order_cnt_lsb_minus4
  else if (pocType === 1) {
    r.bits(1); // delta_pic_order_always_zero_flag
    r.se(); // offset_for_non_ref_pic
    r.se(); // offset_for_top_to_bottom_field
    const cycle = r.ue();
    if (cycle > 255) throw new H264Error('num_ref_frames_in_pic_order_cnt_cycle is invalid');
    for (let i = 0; i < cycle; i++) r.se();
  } else if (pocType !== 2) throw new H264Error(`pic_order_cnt_type ${pocType} is invalid`);
  r.ue(); // max_num_ref_frames
  r.bits(1); // gaps_in_frame_num_value_allowed_flag
  const widthInMbs = r.ue() + 1;
  const heightInMapUnits = r.ue() + 1;
  const frameMbsOnly = r.bits(1);
  if (!frameMbsOnly) r.bits(1); // mb_adaptive_frame_field_flag
  r.bits(1); // direct_8x8_inference_flag
  let crop = { left: 0, right: 0, top: 0, bottom: 0 };
  if (r.bits(1)) crop = { left: r.ue(), right: r.ue(), top: r.ue(), bottom: r.ue() };
  // Crop units (§7.4.2.1.1, Table 6-1): chroma subsampling and field coding scale them.
  const chroma = separateColourPlanes ? 0 : chromaFormat;
  const cropX = chroma === 1 || chroma === 2 ? 2 : 1;
  const cropY = (chroma === 1 ? 2 : 1) * (2 - frameMbsOnly);
  const width = widthInMbs * 16 - cropX * (crop.left + crop.right);
  const height = (2 - frameMbsOnly) * heightInMapUnits * 16 - cropY * (crop.top + crop.bottom);
  if (width <= 0 || height <= 0) throw new H264Error('the SPS crops its picture away');
  return { width, height };
}

/** The first SPS of an AVCDecoderConfigurationRecord (the avcC box's payload, ISO 14496-15 §5.3.3.1). */
export function avcConfigSps(avcC: Buffer): Buffer {
  if (avcC.length < 8 || avcC[0] !== 1) throw new H264Error('not an AVC decoder configuration record');
  const count = avcC[5] & 0x1f;
  const length = avcC.readUInt16BE(6);
  if (count < 1 || 8 + length > avcC.length) throw new H264Error('the decoder configuration has no complete SPS');
  return avcC.subarray(8, 8 + length);
}

function skipScalingList(r: BitReader, size: number): void {
  let last = 8;
  let next = 8;
  for (let j = 0; j < size; j++) {
    if (next !== 0) next = (last + r.se() + 256) % 256;
    last = next === 0 ? last : next;
  }
}

/** The RBSP of a NAL unit's payload: each 00 00 03 loses its emulation-prevention 03. */
function unescape(payload: Buffer): Buffer {
  const out = Buffer.alloc(payload.length);
  let n = 0;
  let zeros = 0;
  for (const byte of payload) {
    if (zeros >= 2 && byte === 3) {
      zeros = 0;
      continue;
    }
    zeros = byte === 0 ? zeros + 1 : 0;
    out[n++] = byte;
  }
  return out.subarray(0, n);
}

class BitReader {
  private bit = 0;
  constructor(private readonly buf: Buffer) {}

  bits(n: number): number {
    let v = 0;
    for (let i = 0; i < n; i++) {
      const byte = this.bit >> 3;
      if (byte >= this.buf.length) throw new H264Error('the SPS is truncated');
      v = v * 2 + ((this.buf[byte] >> (7 - (this.bit & 7))) & 1);
      this.bit += 1;
    }
    return v;
  }

  /** Unsigned Exp-Golomb (§9.1). */
  ue(): number {
    let zeros = 0;
    while (this.bits(1) === 0) if (++zeros > 31) throw new H264Error('an Exp-Golomb code in the SPS is too long');
    return 2 ** zeros - 1 + this.bits(zeros);
  }

  /** Signed Exp-Golomb (§9.1.1). */
  se(): number {
    const k = this.ue();
    return k % 2 ? (k + 1) / 2 : -(k / 2);
  }
}
