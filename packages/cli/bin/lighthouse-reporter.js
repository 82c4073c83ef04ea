#!/usr/bin/env node
import { main } from '../dist/main.js';

process.exitCode = await main(['reporter', ...process.argv.slice(2)], 'lighthouse-reporter');
