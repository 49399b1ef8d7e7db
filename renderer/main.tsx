/** The renderer's entry: the app, mounted once. */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './components/App.js';
// An emoji font shipped with the app (Noto Emoji): emoji are never empty boxes, on any OS.
import '@fontsource/noto-emoji/index.css';
import './styles/theme.css';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
