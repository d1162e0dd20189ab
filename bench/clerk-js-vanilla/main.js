// Clerk's vanilla JavaScript custom sign-out flow: load Clerk, and when a user
// is signed in, sign out on click and reload. The status line in #app is the
// one addition: the same words the yew-clerk demo shows, for scripts/bench to
// wait for.
import { Clerk } from '@clerk/clerk-js'

const key = import.meta.env.VITE_CLERK_PUBLISHABLE_KEY
// Unset for a real Clerk instance. clerk-js calls https://<host from the
// key>/v1/...; the local emulator speaks plain http, so scripts/bench gives
// its http:// URL here (clerk-js's documented proxyUrl option).
const proxyUrl = import.meta.env.VITE_CLERK_PROXY_URL || undefined

const app = document.getElementById('app')
const clerk = new Clerk(key, { proxyUrl })
await clerk.load()

if (clerk.user) {
  app.textContent = `Active session: ${clerk.session.id}`
  document.getElementById('sign-out').addEventListener('click', async () => {
    await clerk.signOut()
    window.location.reload()
  })
} else {
  app.textContent = 'You are signed out'
}
