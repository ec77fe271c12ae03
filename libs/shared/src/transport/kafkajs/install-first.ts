import { installKafkajsDropIns } from './install';

// Evaluated by `./client` before kafkajs itself (see there).
installKafkajsDropIns();
