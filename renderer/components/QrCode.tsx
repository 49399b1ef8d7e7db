/** A QR code drawn on a canvas (black on white whatever the theme, so every camera reads it). */
import QRCode from 'qrcode';
import { useEffect, useRef } from 'react';

export function QrCode({
  text,
  size = 280,
  label,
  testId,
}: {
  text: string;
  size?: number;
  label: string;
  testId?: string;
}) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (!ref.current) return;
    void QRCode.toCanvas(ref.current, text, {
      width: size,
      margin: 4,
      errorCorrectionLevel: 'M',
      color: { dark: '#000000', light: '#ffffff' },
    });
  }, [text, size]);
  return (
    <canvas ref={ref} className="qr" role="img" aria-label={label} data-testid={testId} data-qr-text={text} />
  );
}
