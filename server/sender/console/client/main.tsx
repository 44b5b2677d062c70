/**
 * The operator console's entry (bundled in memory by ../bundle.ts, served by ../serve.ts at
 * /console). The page shell holds no data; everything comes from the /v1 API with the token.
 */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import './console.css';

const root = document.getElementById('root');
if (root) {
  // The shell says whether the API wants a token (it is no secret: a 401 says the same).
  const authRequired = document.querySelector('meta[name="psa-auth"]')?.getAttribute('content') !== 'none';
  createRoot(root).render(
    <StrictMode>
      <App authRequired={authRequired} />
    </StrictMode>,
  );
}
