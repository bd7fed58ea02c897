// waitFor polls fn until it returns a truthy value, or fails after the
// deadline with what it was waiting for. Page events in miniprogram-simulate
// are dispatched asynchronously, so tests wait on what the user would see.
async function waitFor(fn, { timeoutMs = 10000, intervalMs = 10, what = 'condition' } = {}) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await fn()
    if (value) return value
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, intervalMs))
  }
}

module.exports = { waitFor }
