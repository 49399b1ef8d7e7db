/** The service worker thread (dist/service-worker.js) of the desktop app and the browser host. */
import { serveWorker } from '../main/host/serviceWorker.js';
import { hostedRelay } from './hostedRelay.js';

serveWorker(hostedRelay);
