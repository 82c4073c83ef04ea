#!/usr/bin/env node
import { runBin } from '../dist/main.js';

await runBin('lighthouse');
