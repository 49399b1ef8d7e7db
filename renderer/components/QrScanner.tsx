/**
 * Reads a QR code from the webcam: getUserMedia, a frame on a canvas every 150 ms, jsQR.
 * Stops the camera as soon as a code is read or the scanner goes away.
 */
import jsQR from 'jsqr';
import { useEffect, useRef, useState } from 'react';

function cameraError(e: unknown): string {
  const name = e instanceof DOMException ? e.name : '';
  if (name === 'NotAllowedError' || name === 'SecurityError') {
    return 'Meow may not use the camera. Allow it, or paste the link instead.';
  }
  if (name === 'NotFoundError' || name === 'OverconstrainedError')
    return 'No camera was found: paste the link instead.';
  if (name === 'NotReadableError') return 'The camera is in use by another program: paste the link instead.';
  return 'The camera could not be started: paste the link instead.';
}

export function QrScanner({ onCode, hint }: { onCode: (text: string) => void; hint: string }) {
  const video = useRef<HTMLVideoElement>(null);
  const [error, setError] = useState<string | null>(null);
  const [live, setLive] = useState(false);
  const report = useRef(onCode);
  report.current = onCode;

  useEffect(() => {
    let stream: MediaStream | null = null;
    let timer: ReturnType<typeof setInterval> | undefined;
    let stopped = false;
    const canvas = document.createElement('canvas');
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    const stop = () => {
      stopped = true;
      clearInterval(timer);
      stream?.getTracks().forEach((t) => t.stop());
    };
    void (async () => {
      try {
        if (!navigator.mediaDevices?.getUserMedia)
          throw new DOMException('no media devices', 'NotFoundError');
        stream = await navigator.mediaDevices.getUserMedia({
          video: { width: { ideal: 1280 } },
          audio: false,
        });
        if (stopped) return stop();
        const v = video.current!;
        v.srcObject = stream;
        await v.play();
        setLive(true);
        timer = setInterval(() => {
          if (!ctx || v.videoWidth === 0) return;
          canvas.width = v.videoWidth;
          canvas.height = v.videoHeight;
          ctx.drawImage(v, 0, 0);
          const img = ctx.getImageData(0, 0, canvas.width, canvas.height);
          const found = jsQR(img.data, img.width, img.height, { inversionAttempts: 'attemptBoth' });
          if (found?.data) {
            stop();
            report.current(found.data);
          }
        }, 150);
      } catch (e) {
        if (!stopped) setError(cameraError(e));
      }
    })();
    return stop;
  }, []);

  return (
    <div className="scanner" data-testid="qr-scanner" data-live={live}>
      {error ? (
        <p className="error" role="alert" data-testid="camera-error">
          {error}
        </p>
      ) : (
        <>
          <video ref={video} muted playsInline aria-label="Camera view" />
          <div className="scanner-frame" aria-hidden="true" />
          <p className="muted" aria-live="polite">
            {live ? hint : 'Starting the camera…'}
          </p>
        </>
      )}
    </div>
  );
}
