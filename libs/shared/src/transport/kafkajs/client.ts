/**
 * kafkajs, with Lapse's drop-ins in place before it loads (`./install`): its producer binds the module that
 * groups messages by partition when it loads, so installing later would leave kafkajs's own. Every Lapse
 * module imports kafkajs from here (biome's `noRestrictedImports` refuses it anywhere else).
 */
import './install-first';

export * from 'kafkajs';
