import { Routes } from '@angular/router';

import { authGuard } from '@oidc-session/angular';

export const routes: Routes = [
  {
    path: '',
    title: 'Home',
    loadComponent: () => import('./home/home-page').then((m) => m.HomePage),
  },
  {
    path: 'login',
    title: 'Sign in',
    loadComponent: () => import('./login/login-page').then((m) => m.LoginPage),
  },
  {
    path: 'dashboard',
    title: 'Dashboard',
    canActivate: [authGuard],
    loadComponent: () => import('./dashboard/dashboard-page').then((m) => m.DashboardPage),
  },
  {
    path: 'profile',
    title: 'Profile',
    canActivate: [authGuard],
    loadComponent: () => import('./profile/profile-page').then((m) => m.ProfilePage),
  },
  {
    path: 'payments',
    title: 'Payments',
    canActivate: [authGuard],
    loadComponent: () => import('./payments/payments-page').then((m) => m.PaymentsPage),
  },
  {
    path: 'session',
    title: 'Session',
    canActivate: [authGuard],
    loadComponent: () => import('./session-panel/session-panel').then((m) => m.SessionPanel),
  },
  { path: '**', redirectTo: '' },
];
