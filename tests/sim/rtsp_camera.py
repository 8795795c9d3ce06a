#!/usr/bin/python3
"""One simulated RTSP camera for Keepwatch tests and benchmarks.

Run with /usr/bin/python3 (Debian's python3-gi); a pyenv python has no `gi`.

Live mode (default): a solid colour frame + a burnt-in clock (top-left) + a
time barcode (bottom strip), encoded with x264/x265 and served by
GstRtspServer on 127.0.0.1:PORT/main (and /sub at half size with --sub).

File mode (--file): the video of a pre-encoded file (any container GStreamer
can demux; H.264/H.265 without B-frames) is read into memory once and pushed
in a loop at its frame rate. No decode/encode: about 1 % of a core for 1080p.

Prints `READY rtsp://127.0.0.1:PORT/main` on stdout when listening (with
--port 0 the server picks a free port and PORT tells which).
Exits 0 on SIGTERM/SIGINT; killed by the kernel when its parent process dies.

Time barcode (live mode): the bottom H//16 rows (at least 8) carry BITS
equal-width blocks, black=0 / white=1, MSB first: 36 bits of the UTC wall
clock in tenths of a second (int(time.time()*10) mod 2**36) then a 4-bit
checksum (sum of the nine 4-bit nibbles of that value, mod 16). Block i spans
x in [i*W//BITS, (i+1)*W//BITS). tests/sim/signature.ts decodes it.
"""
import argparse
import ctypes
import os
import signal
import sys
import time

import gi

gi.require_version('Gst', '1.0')
gi.require_version('GstVideo', '1.0')
gi.require_version('GstRtsp', '1.0')
gi.require_version('GstRtspServer', '1.0')
from gi.repository import GLib, Gst, GstRtsp, GstRtspServer, GstVideo  # noqa: E402

BITS = 40  # keep in sync with signature.ts
VALUE_BITS = 36


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--port', type=int, default=8554, help='0 = pick a free port')
    p.add_argument('--color', default='0xff0000', help='0xRRGGBB')
    p.add_argument('--width', type=int, default=640)
    p.add_argument('--height', type=int, default=360)
    p.add_argument('--fps', type=int, default=15)
    p.add_argument('--codec', choices=['h264', 'h265'], default='h264')
    p.add_argument('--bitrate', type=int, default=0, help='kbit/s; 0 = from size and fps')
    p.add_argument('--gop', type=int, default=0, help='keyframe interval in frames; 0 = fps')
    p.add_argument('--mount', default='/main')
    p.add_argument('--sub', action='store_true', help='also serve /sub at half size')
    p.add_argument('--sub-mount', default='/sub')
    p.add_argument('--file', help='re-serve this pre-encoded file in a loop (no live encode)')
    p.add_argument('--sub-file', help='with --file: re-serve this file on the sub mount')
    p.add_argument('--audio', choices=['pcmu'], help='add a G.711 mu-law 8 kHz tone track')
    p.add_argument('--no-barcode', action='store_true', help='skip the time barcode strip')
    return p.parse_args()


# ---------------------------------------------------------------- parent watch
def die_with_parent():
    """Ask the kernel to kill us when the parent dies, so no orphan survives a
    crashed test runner. SIGKILL rather than SIGTERM: it also ends a frozen
    (SIGSTOPped) camera. KEEPWATCH_SIM_PARENT closes the race where the parent
    died before prctl ran."""
    try:
        libc = ctypes.CDLL('libc.so.6', use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except OSError:
        pass
    want = os.environ.get('KEEPWATCH_SIM_PARENT')
    if want and os.getppid() != int(want):
        sys.exit(0)


# ---------------------------------------------------------------- barcode
# The Python bindings cannot map a buffer for writing (the wrapper holds an
# extra ref, so the buffer is never "writable"), so the probe works on the raw
# C pointers through ctypes: make the buffer writable, map, memmove, unmap.
class GstMapInfo(ctypes.Structure):
    _fields_ = [('memory', ctypes.c_void_p), ('flags', ctypes.c_int),
                ('data', ctypes.c_void_p), ('size', ctypes.c_size_t),
                ('maxsize', ctypes.c_size_t), ('user_data', ctypes.c_void_p * 4),
                ('_gst_reserved', ctypes.c_void_p * 4)]


_gst = ctypes.CDLL('libgstreamer-1.0.so.0')
_gst.gst_mini_object_make_writable.restype = ctypes.c_void_p
_gst.gst_mini_object_make_writable.argtypes = [ctypes.c_void_p]
_gst.gst_buffer_map.restype = ctypes.c_int
_gst.gst_buffer_map.argtypes = [ctypes.c_void_p, ctypes.POINTER(GstMapInfo), ctypes.c_int]
_gst.gst_buffer_unmap.argtypes = [ctypes.c_void_p, ctypes.POINTER(GstMapInfo)]
GST_MAP_WRITE = 2
PROBE_DATA_OFFSET = 16  # GstPadProbeInfo: {int type; gulong id; gpointer data; ...}


def barcode_row(width, value):
    """One row of luma bytes for the strip: Y=235 (white) for 1, Y=16 (black) for 0."""
    bits = value & ((1 << VALUE_BITS) - 1)
    check = sum((bits >> (4 * i)) & 0xF for i in range(VALUE_BITS // 4)) & 0xF
    word = (bits << 4) | check
    row = bytearray(width)
    for i in range(BITS):
        x0, x1 = i * width // BITS, (i + 1) * width // BITS
        row[x0:x1] = (b'\xeb' if (word >> (BITS - 1 - i)) & 1 else b'\x10') * (x1 - x0)
    return bytes(row)


class BarcodeProbe:
    """Pad probe painting the barcode into I420 frames."""

    def __init__(self):
        self.layout = None  # (width, height, [(offset, stride)] * 3)
        self.last_value = None
        self.row = None

    def _layout(self, pad, probe_info):
        # Guard the pointer arithmetic below: the first field of the C struct
        # must read back as the probe type, or we paint nothing at all.
        if ctypes.c_int.from_address(hash(probe_info)).value != int(probe_info.type):
            print('barcode disabled: unexpected GstPadProbeInfo layout', file=sys.stderr)
            self.layout = False
            return
        info = GstVideo.VideoInfo.new_from_caps(pad.get_current_caps())
        planes = [(info.offset[i], info.stride[i]) for i in range(3)]
        self.layout = (info.width, info.height, planes)
        w = info.width // 2
        self.neutral = b'\x80' * w  # U/V = 128: grey, no colour bleeding into the strip

    def __call__(self, pad, info):
        if self.layout is None:
            self._layout(pad, info)
        if not self.layout:
            return Gst.PadProbeReturn.OK
        width, height, planes = self.layout
        value = int(time.time() * 10)
        if value != self.last_value:
            self.row, self.last_value = barcode_row(width, value), value
        # info wraps a C GstPadProbeInfo; hash() of a gi pointer wrapper is its
        # address (checked in _layout). Replace info->data by a writable buffer.
        pinfo = hash(info)
        slot = ctypes.c_void_p.from_address(pinfo + PROBE_DATA_OFFSET)
        buf = _gst.gst_mini_object_make_writable(slot.value)
        slot.value = buf
        m = GstMapInfo()
        if not _gst.gst_buffer_map(buf, ctypes.byref(m), GST_MAP_WRITE):
            return Gst.PadProbeReturn.OK
        try:
            strip = max(8, height // 16) & ~1
            top = height - strip
            y_off, y_stride = planes[0]
            for y in range(top, height):
                ctypes.memmove(m.data + y_off + y * y_stride, self.row, width)
            for off, stride in planes[1:]:
                for y in range(top // 2, height // 2):
                    ctypes.memmove(m.data + off + y * stride, self.neutral, width // 2)
        finally:
            _gst.gst_buffer_unmap(buf, ctypes.byref(m))
        return Gst.PadProbeReturn.OK


# ---------------------------------------------------------------- live pipeline
def live_launch(a, width, height, color, with_audio):
    fps = a.fps
    gop = a.gop or fps
    kbps = a.bitrate or max(100, width * height * fps // 10000)
    if a.codec == 'h264':
        # One slice per frame, like most cameras (zerolatency would cut each
        # frame into per-thread slices; 1 thread is plenty for ultrafast).
        enc = (f'x264enc tune=zerolatency speed-preset=ultrafast key-int-max={gop} bitrate={kbps} '
               f'sliced-threads=false threads=1 ! h264parse')
    else:
        enc = (f'x265enc tune=zerolatency speed-preset=ultrafast key-int-max={gop} bitrate={kbps} '
               f'log-level=error ! h265parse')
    # alignment=au: the payloader must see whole frames, or it sets the RTP
    # marker per slice and clients (ffmpeg) split one frame into several.
    enc += (f' ! video/x-{a.codec},alignment=au ! rtp{a.codec}pay name=pay0 pt=96 config-interval=-1')
    # colorimetry=bt601 for every size, so ffmpeg (which assumes BT.601 when
    # converting to RGB) gives back the palette colour even for HD frames.
    video = (f'videotestsrc is-live=true pattern=solid-color foreground-color={0xff000000 | color} '
             f'! video/x-raw,format=I420,width={width},height={height},framerate={fps}/1,colorimetry=bt601 '
             f'! clockoverlay halignment=left valignment=top shaded-background=true '
             f'font-desc="Sans 12" time-format="%H:%M:%S" '
             f'! identity name=stamp ! {enc}')
    return f'( {video} {audio_launch() if with_audio else ""} )'


def audio_launch():
    return ('audiotestsrc is-live=true wave=sine freq=440 volume=0.2 '
            '! audio/x-raw,rate=8000,channels=1 ! mulawenc ! rtppcmupay name=pay1 pt=0')


# ---------------------------------------------------------------- file replay
def load_file(path):
    """Demux the first video stream of `path` into memory: (caps, fps, frames),
    frames = [(bytes, is_keyframe)]."""
    pipe = Gst.parse_launch('filesrc name=src ! parsebin name=pb  appsink name=sink sync=false')
    pipe.get_by_name('src').set_property('location', path)
    sink = pipe.get_by_name('sink')
    linked = []

    def on_pad(_pb, pad):
        caps = pad.query_caps(None).to_string()
        if not linked and caps.startswith('video/'):
            pad.link(sink.get_static_pad('sink'))
            linked.append(True)
    pipe.get_by_name('pb').connect('pad-added', on_pad)
    frames, caps = [], None
    sink.set_property('emit-signals', True)

    def on_sample(s):
        nonlocal caps
        sample = s.emit('pull-sample')
        buf = sample.get_buffer()
        caps = caps or sample.get_caps()
        frames.append((buf.extract_dup(0, buf.get_size()),
                       not buf.has_flags(Gst.BufferFlags.DELTA_UNIT)))
        return Gst.FlowReturn.OK
    sink.connect('new-sample', on_sample)
    pipe.set_state(Gst.State.PLAYING)
    msg = pipe.get_bus().timed_pop_filtered(Gst.CLOCK_TIME_NONE, Gst.MessageType.EOS | Gst.MessageType.ERROR)
    pipe.set_state(Gst.State.NULL)
    if msg.type == Gst.MessageType.ERROR or not frames:
        sys.exit(f'cannot read video from {path}: {msg.parse_error()[0].message if msg.type == Gst.MessageType.ERROR else "no frames"}')
    s = caps.get_structure(0)
    ok, num, den = s.get_fraction('framerate')
    fps = num / den if ok and num > 0 else 25.0
    # Start the loop on a keyframe so a wrap-around never breaks decoding.
    first = next(i for i, f in enumerate(frames) if f[1])
    return caps, fps, frames[first:]


def file_launch(caps, with_audio):
    codec = 'h265' if caps.get_structure(0).get_name() == 'video/x-h265' else 'h264'
    video = (f'appsrc name=replay is-live=true format=time min-latency=0 max-latency=200000000 ! {codec}parse config-interval=-1 '
             f'! video/x-{codec},alignment=au ! rtp{codec}pay name=pay0 pt=96 config-interval=-1')
    return f'( {video} {audio_launch() if with_audio else ""} )'


class Replayer:
    """Pushes the in-memory frames into one media's appsrc at the file's frame
    rate, looping forever, with PTS continuing across the loop."""

    def __init__(self, media, caps, fps, frames):
        self.src = media.get_element().get_by_name('replay')
        self.src.set_property('caps', caps)
        self.frames, self.dur = frames, int(Gst.SECOND / fps)
        self.n = 0  # frames pushed so far
        self.rt0 = None  # running time of frame 0
        self.alive = True
        media.connect('unprepared', lambda _m: setattr(self, 'alive', False))
        GLib.timeout_add(5, self.tick)

    def running_time(self):
        clock = self.src.get_clock()
        return None if clock is None else clock.get_time() - self.src.get_base_time()

    def tick(self):
        if not self.alive:
            return False
        now = self.running_time()
        if now is None:  # not PLAYING yet
            return True
        if self.rt0 is None:
            self.rt0 = now
        while self.rt0 + self.n * self.dur <= now:
            data, key = self.frames[self.n % len(self.frames)]
            buf = Gst.Buffer.new_wrapped(data)
            buf.pts = buf.dts = self.rt0 + self.n * self.dur
            buf.duration = self.dur
            if not key:
                buf.set_flags(Gst.BufferFlags.DELTA_UNIT)
            if self.src.emit('push-buffer', buf) != Gst.FlowReturn.OK:
                return False  # media torn down (last client left): stop this timer
            self.n += 1
        wait_ms = max(1, int((self.rt0 + self.n * self.dur - now) / Gst.MSECOND))
        GLib.timeout_add(wait_ms, self.tick)
        return False


# ---------------------------------------------------------------- server
def make_factory(launch, on_configure):
    f = GstRtspServer.RTSPMediaFactory()
    f.set_launch(launch)
    f.set_shared(True)  # one pipeline per mount, any number of clients
    # Never seek the shared pipeline when a client sends PLAY with a Range: a
    # live camera cannot seek (the file replay would fail with 503, and a
    # flushing seek would disturb the other clients). Publishing the clock
    # (RFC 7273 SDP attributes, ignored by most clients) marks it unseekable.
    f.set_publish_clock_mode(GstRtspServer.RTSPPublishClockMode.CLOCK_AND_OFFSET)
    f.set_protocols(GstRtsp.RTSPLowerTrans.TCP | GstRtsp.RTSPLowerTrans.UDP)
    # Unicast UDP sockets come from this pool: bound to 127.0.0.1, never 0.0.0.0.
    pool = GstRtspServer.RTSPAddressPool()
    pool.add_range('127.0.0.1', '127.0.0.1', 20000, 59999, 0)
    f.set_address_pool(pool)
    f.connect('media-configure', on_configure)
    return f


def main():
    a = parse_args()
    # Until the main loop runs (GLib handlers below), exit cleanly on SIGTERM too.
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: sys.exit(0))
    die_with_parent()
    Gst.init(None)
    color = int(a.color, 16) & 0xFFFFFF

    def configure_live(_factory, media):
        if not a.no_barcode:
            pad = media.get_element().get_by_name('stamp').get_static_pad('src')
            pad.add_probe(Gst.PadProbeType.BUFFER, BarcodeProbe())

    mounts = []
    if a.file:
        for mount, path in [(a.mount, a.file)] + ([(a.sub_mount, a.sub_file)] if a.sub_file else []):
            caps, fps, frames = load_file(path)

            def configure_file(_f, media, caps=caps, fps=fps, frames=frames):
                Replayer(media, caps, fps, frames)
            mounts.append((mount, make_factory(file_launch(caps, a.audio and mount == a.mount), configure_file)))
    else:
        mounts.append((a.mount, make_factory(live_launch(a, a.width, a.height, color, bool(a.audio)), configure_live)))
        if a.sub:
            sw, sh = (a.width // 4) * 2, (a.height // 4) * 2
            mounts.append((a.sub_mount, make_factory(live_launch(a, sw, sh, color, False), configure_live)))

    server = GstRtspServer.RTSPServer()
    server.set_address('127.0.0.1')
    server.set_service(str(a.port))
    for mount, factory in mounts:
        server.get_mount_points().add_factory(mount, factory)
    if server.attach(None) == 0:  # e.g. port in use
        print(f'cannot listen on 127.0.0.1:{a.port}', file=sys.stderr)
        sys.exit(2)
    port = server.get_bound_port()
    # Drop sessions of vanished clients (e.g. a killed recorder) now and then.
    GLib.timeout_add_seconds(2, lambda: (server.get_session_pool().cleanup(), True)[1])

    loop = GLib.MainLoop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, sig, loop.quit)
    print(f'READY rtsp://127.0.0.1:{port}{a.mount}', flush=True)
    loop.run()


if __name__ == '__main__':
    main()
