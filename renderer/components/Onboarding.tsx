/** The first screen of a new profile: create an identity, or link to my other computer. */
import { useState } from 'react';
import { CreateIdentityForm } from './CreateIdentityForm.js';
import { LinkDeviceForm } from './LinkDeviceForm.js';
import { Logo } from './Logo.js';
import './Onboarding.css';

export function Onboarding() {
  const [mode, setMode] = useState<'choose' | 'create' | 'link'>('choose');
  return (
    <div className="onboarding">
      <div className="onboarding-card">
        <header className="onboarding-head">
          <Logo size={56} />
          <h1>Welcome to Meow</h1>
          <p className="muted">
            Private, end-to-end encrypted messages that follow you across your computers — while the people
            you talk to never learn how many devices you have.
          </p>
        </header>
        {mode === 'choose' && (
          <div className="choices">
            <button
              className="choice"
              data-testid="onboarding-create"
              onClick={() => setMode('create')}
              autoFocus
            >
              <strong>Create my identity</strong>
              <span>I am new to Meow on all my computers.</span>
            </button>
            <button className="choice" data-testid="onboarding-link" onClick={() => setMode('link')}>
              <strong>Link to my other computer</strong>
              <span>Meow already runs on another computer of mine: bring my chats here.</span>
            </button>
          </div>
        )}
        {mode === 'create' && <CreateIdentityForm onBack={() => setMode('choose')} />}
        {mode === 'link' && <LinkDeviceForm onBack={() => setMode('choose')} />}
      </div>
    </div>
  );
}
