#!/usr/bin/env node
import { main } from '../dist/main.js';

process.exitCode = await main(['writer', ...process.argv.slice(2)], 'lighthouse-writer');
