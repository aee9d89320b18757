import { TestBed } from '@angular/core/testing';

import { AuthConfigStore } from '../core/config/auth-config-store';
import { ProviderAnswerProbe } from './provider-answer-probe';

describe('ProviderAnswerProbe', () => {
  let calls: Array<{ url: string; init: RequestInit | undefined }>;
  let answer: () => Promise<Response>;
  const config = {
    isLoaded: true,
    current: { issuer: 'https://sso.example.com/realms/x', mode: 'browser' },
  };

  beforeEach(() => {
    calls = [];
    spyOn(globalThis, 'fetch').and.callFake(((url: string, init?: RequestInit) => {
      calls.push({ url, init });
      return answer();
    }) as typeof fetch);
    TestBed.configureTestingModule({
      providers: [{ provide: AuthConfigStore, useValue: config }],
    });
  });

  it('says "answers" when a no-cors request to discovery resolves (CORS, not an outage)', async () => {
    answer = () => Promise.resolve(new Response(null, { status: 200 }));
    expect(await TestBed.inject(ProviderAnswerProbe).answersOtherClients()).toBeTrue();
    expect(calls.length).toBe(1);
    expect(calls[0]!.url).toBe('https://sso.example.com/realms/x/.well-known/openid-configuration');
    expect(calls[0]!.init?.mode).toBe('no-cors');
    expect(calls[0]!.init?.credentials).toBe('omit');
  });

  it('says "no answer" when even a no-cors request fails (the provider is down)', async () => {
    answer = () => Promise.reject(new TypeError('Failed to fetch'));
    expect(await TestBed.inject(ProviderAnswerProbe).answersOtherClients()).toBeFalse();
    expect(calls.length).toBe(1);
  });

  it('asks nothing in BFF mode, where the browser never reads discovery', async () => {
    answer = () => Promise.resolve(new Response(null));
    TestBed.overrideProvider(AuthConfigStore, {
      useValue: { isLoaded: true, current: { issuer: 'https://sso.example.com', mode: 'bff' } },
    });
    expect(await TestBed.inject(ProviderAnswerProbe).answersOtherClients()).toBeFalse();
    expect(calls.length).toBe(0);
  });
});
