export { createApp, type AppDependencies } from './app.js'
export { loadConfig, ConfigError, type Config } from './config.js'
export { startServer, type RunningServer } from './server.js'
export { systemClock, type Clock } from './clock.js'
