// Two projects: unit tests run the sample against a scripted stand-in for
// the server; e2e tests build and start the real mpauth server once
// (global setup) and drive the sample against it with the fake WeChat.
const common = {
  testEnvironment: 'jsdom',
  testEnvironmentOptions: { url: 'http://localhost/' },
  restoreMocks: true,
}

module.exports = {
  projects: [
    Object.assign({}, common, {
      displayName: 'unit',
      testMatch: ['<rootDir>/test/unit/**/*.test.js'],
    }),
    Object.assign({}, common, {
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/e2e/**/*.test.js'],
      globalSetup: '<rootDir>/test/e2e/global-setup.js',
      globalTeardown: '<rootDir>/test/e2e/global-teardown.js',
    }),
  ],
}
