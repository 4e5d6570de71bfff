// The police platform's player, as a web page runs it: mpegts.js (HTTP-FLV → MSE) and hls.js (HLS →
// MSE) on a <video>. Loaded by browser-playback.test.ts after the mpegts.js and hls.js bundles; the test drives it through
// `window.vis` and reads plain, serialisable state back.
(() => {
  const plays = new Map();
  mpegts.LoggingControl.enableVerbose = false;
  mpegts.LoggingControl.enableDebug = false;
  mpegts.LoggingControl.enableInfo = false;

  /** Starts playing `url` on a new muted <video>; `id` names the play for `state` and `stop`. */
  function play(id, url, isLive) {
    const video = document.createElement("video");
    video.muted = true;
    video.playsInline = true;
    video.width = 320;
    document.body.appendChild(video);
    const s = {
      url,
      startedAt: performance.now(),
      firstFrameMs: null,
      errors: [],
      mediaInfo: null,
      playRejected: null,
      ended: false,
    };
    const player = mpegts.createPlayer(
      { type: "flv", isLive, url, hasAudio: true, hasVideo: true },
      { enableWorker: false, lazyLoad: false },
    );
    player.on(mpegts.Events.ERROR, (type, detail, info) => {
      s.errors.push({ type, detail, code: info?.code ?? null, msg: String(info?.msg ?? "") });
    });
    player.on(mpegts.Events.MEDIA_INFO, (mi) => {
      s.mediaInfo = {
        mimeType: mi.mimeType ?? null,
        videoCodec: mi.videoCodec ?? null,
        audioCodec: mi.audioCodec ?? null,
        width: mi.width ?? null,
        height: mi.height ?? null,
      };
    });
    video.addEventListener("ended", () => {
      s.ended = true;
    });
    // the first frame actually presented by the compositor
    video.requestVideoFrameCallback(() => {
      s.firstFrameMs = Math.round(performance.now() - s.startedAt);
    });
    player.attachMediaElement(video);
    player.load();
    const started = player.play();
    if (started && typeof started.catch === "function") {
      started.catch((err) => {
        s.playRejected = String(err);
      });
    }
    plays.set(id, { player, video, s });
  }

  /** Plays an HLS playlist with hls.js on a new muted <video> (recorded footage as HLS VOD). */
  function playHls(id, url) {
    const video = document.createElement("video");
    video.muted = true;
    video.playsInline = true;
    video.width = 320;
    document.body.appendChild(video);
    const s = {
      url,
      startedAt: performance.now(),
      firstFrameMs: null,
      errors: [],
      mediaInfo: null,
      playRejected: null,
      ended: false,
    };
    const hls = new Hls({ enableWorker: false });
    hls.on(Hls.Events.ERROR, (_event, data) => {
      // non-fatal errors are recovered by hls.js itself; fatal ones end the play
      if (data.fatal) {
        s.errors.push({
          type: data.type,
          detail: data.details,
          code: data.response?.code ?? null,
          msg: String(data.reason ?? data.error?.message ?? ""),
        });
      }
    });
    hls.on(Hls.Events.MANIFEST_PARSED, (_event, data) => {
      s.mediaInfo = {
        mimeType: "application/vnd.apple.mpegurl",
        pieces: data.levels?.[0]?.details?.fragments?.length ?? null,
      };
    });
    video.addEventListener("ended", () => {
      s.ended = true;
    });
    video.requestVideoFrameCallback(() => {
      s.firstFrameMs = Math.round(performance.now() - s.startedAt);
    });
    hls.loadSource(url);
    hls.attachMedia(video);
    const started = video.play();
    if (started && typeof started.catch === "function") {
      started.catch((err) => {
        s.playRejected = String(err);
      });
    }
    plays.set(id, { player: { hls }, video, s });
  }

  function state(id) {
    const p = plays.get(id);
    if (!p) throw new Error(`no play ${id}`);
    const { video, s } = p;
    const q = video.getVideoPlaybackQuality();
    const buffered = [];
    for (let i = 0; i < video.buffered.length; i++) {
      buffered.push([video.buffered.start(i), video.buffered.end(i)]);
    }
    return {
      ...s,
      currentTime: video.currentTime,
      totalVideoFrames: q.totalVideoFrames,
      droppedVideoFrames: q.droppedVideoFrames,
      videoWidth: video.videoWidth,
      videoHeight: video.videoHeight,
      paused: video.paused,
      readyState: video.readyState,
      buffered,
      mediaError: video.error ? { code: video.error.code, message: video.error.message } : null,
    };
  }

  function stop(id) {
    const p = plays.get(id);
    if (!p) return;
    plays.delete(id);
    if (p.player.hls) {
      p.player.hls.destroy();
      p.video.remove();
      return;
    }
    p.player.pause();
    p.player.unload();
    p.player.detachMediaElement();
    p.player.destroy();
    p.video.remove();
  }

  /** A cross-origin GET as the page makes it: status and the headers CORS lets the page read. */
  async function head(url) {
    const abort = new AbortController();
    const res = await fetch(url, { signal: abort.signal });
    const out = {
      status: res.status,
      firstFrame: res.headers.get("x-vis-first-frame"),
      contentType: res.headers.get("content-type"),
    };
    abort.abort();
    return out;
  }

  const features = mpegts.getFeatureList();
  window.vis = {
    play,
    playHls,
    state,
    stop,
    head,
    support: {
      mpegts: mpegts.isSupported(),
      mseLivePlayback: features.mseLivePlayback,
      networkStreamIO: features.networkStreamIO,
      networkLoaderName: features.networkLoaderName,
      h264aac: MediaSource.isTypeSupported('video/mp4; codecs="avc1.42E01E,mp4a.40.2"'),
    },
  };
})();
