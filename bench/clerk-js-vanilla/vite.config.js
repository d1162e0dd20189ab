import { defineConfig } from 'vite'

export default defineConfig({
  build: {
    // Every file at the top of dist/, as in the Trunk build, so that
    // scripts/size and the bench's static server treat both alike.
    assetsDir: '',
  },
})
