import { defineScenarios } from './support/scenarios';

defineScenarios('scenarios-odd', 1);
